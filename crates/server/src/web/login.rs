//! Signing in and out, and setting one's own password after a one-time one.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::i18n::{self, Lang};
use super::{Fields, Viewer, WebResult, csrf, local_path};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::auth::secret;
use crate::app::auth::session::{PasswordChange, SignIn};
use crate::http::AppState;

/// The sign-in form's double-submit cookie.
const LOGIN_COOKIE: &str = "opsclock_login";

fn render_login(lang: Lang, token: &str, next: &str, username: Option<&str>, error: Option<String>) -> WebResult {
    render_login_with(lang, token, next, username, error, None)
}

fn render_login_with(
    lang: Lang,
    token: &str,
    next: &str,
    username: Option<&str>,
    error: Option<String>,
    notice: Option<&str>,
) -> WebResult {
    let mut res = super::html(
        "login.html",
        ctx! {
            lang => lang.key(), tr => i18n::words(lang), path => "/login",
            login_csrf => token, next => next, username => username, error => error, notice => notice,
        },
    )?;
    let cookie = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    super::set_cookie(&mut res, &cookie);
    Ok(res)
}

/// `GET /login`: `next` is where to go after (a path of this site only), `resume=1` says that a
/// form was posted after the session ran out ([`super::resume`]).
pub async fn form(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> WebResult {
    let lang = Lang::of(&headers);
    let next = local_path(q.get("next").map(String::as_str), "/board");
    let notice = q.contains_key("resume").then(|| super::resume::notice(lang));
    render_login_with(lang, &secret::new_secret("ocl_"), &next, None, None, notice)
}

/// `POST /login`: the sign-in both HTTP doors share ([`crate::http::session::sign_in`]), then on
/// to where the reader was going.
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, from: ClientAddr, Form(f): Fields) -> WebResult {
    let lang = Lang::of(&headers);
    let next = local_path(f.get("next").map(String::as_str), "/board");
    let expected = crate::http::extract::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let fresh = secret::new_secret("ocl_");
    if !csrf::matches(&expected, f.get("csrf").map(String::as_str)) {
        let msg = "the sign-in form expired; please try again";
        return render_login(
            lang,
            &fresh,
            &next,
            f.get("username").map(String::as_str),
            Some(msg.into()),
        );
    }
    let body = SignIn {
        username: f.get("username").cloned().unwrap_or_default(),
        password: f.get("password").cloned().unwrap_or_default(),
    };
    let username = body.username.clone();
    match crate::http::session::sign_in(&state, &from, &body).await {
        Ok(res) => {
            // The answer carries the session cookie; the page goes on.
            Ok(super::redirect_keeping_cookies(&next, &res))
        }
        Err(AppError::Unauthorized(_)) => {
            let msg = if lang == Lang::Zh {
                "用户名或密码错误"
            } else {
                "wrong username or password"
            };
            render_login(lang, &fresh, &next, Some(&username), Some(msg.into()))
        }
        Err(AppError::TooManyRequests { retry_after, .. }) => {
            // The account's waits are seconds, the address's minutes.
            let msg = match (lang == Lang::Zh, retry_after < 120) {
                (true, true) => format!("登录失败次数过多，请 {retry_after} 秒后再试"),
                (true, false) => format!("登录失败次数过多，请 {} 分钟后再试", retry_after.div_ceil(60)),
                (false, true) => format!("too many failed sign-ins; try again in {retry_after} s"),
                (false, false) => format!(
                    "too many failed sign-ins; try again in {} min",
                    retry_after.div_ceil(60)
                ),
            };
            render_login(lang, &fresh, &next, Some(&username), Some(msg))
        }
        Err(AppError::Busy { .. }) => {
            let msg = if lang == Lang::Zh {
                "服务器正忙，请稍后再试"
            } else {
                "the server is busy; try again in a moment"
            };
            render_login(lang, &fresh, &next, Some(&username), Some(msg.into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, v: Viewer, headers: HeaderMap, Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let res = crate::http::session::sign_out(&state, &headers, StatusCode::NO_CONTENT.into_response()).await?;
    Ok(super::redirect_keeping_cookies("/login", &res))
}

/// `GET /me/password`: `next` is where to go once the password is set (a path of this site,
/// carried from the page a one-time password's first sign-in was on its way to).
pub async fn password_form(v: Viewer, Query(q): Query<HashMap<String, String>>) -> WebResult {
    let next = after_password(q.get("next").map(String::as_str));
    super::page(&v, "password.html", ctx! { next => next })
}

/// Where the password form goes on to: `next` if it is one of this site's pages (not the form
/// itself), else the board.
fn after_password(next: Option<&str>) -> String {
    let next = local_path(next, "/board");
    if next.starts_with("/me/password") {
        "/board".to_owned()
    } else {
        next
    }
}

/// `POST /me/password`.
/// Ends the account's other sessions (this one stays signed in) and, when the box is ticked, its
/// API tokens.
pub async fn password_submit(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    headers: HeaderMap,
    Form(f): Fields,
) -> WebResult<Response> {
    v.check_form(&f)?;
    let body = PasswordChange {
        current: f.get("current").cloned().unwrap_or_default(),
        new: f.get("new").cloned().unwrap_or_default(),
        revoke_tokens: f.get("revoke_tokens").is_some_and(|v| !v.is_empty()),
    };
    // The new password typed twice (the 确认新密码 field): a mismatch saves nothing. A form
    // without the field (an older page still open in a tab) is taken as it is.
    if f.get("confirm").is_some_and(|c| *c != body.new) {
        let error = if v.lang == Lang::Zh {
            "两次输入的新密码不一致，密码未修改，请重新输入。"
        } else {
            "the two new passwords differ; nothing was changed, type them again"
        };
        let next = after_password(f.get("next").map(String::as_str));
        return super::page(&v, "password.html", ctx! { error => error, next => next });
    }
    let current = crate::http::session::current_session(&headers);
    match crate::app::auth::session::change_password(
        &state,
        state.limits.throttle(),
        &v.p,
        &from,
        &body,
        current.as_deref(),
    )
    .await
    {
        Ok(_) => Ok(super::redirect_with(
            &after_password(f.get("next").map(String::as_str)),
            if v.lang == Lang::Zh {
                "密码已设置"
            } else {
                "Password set"
            },
        )),
        Err(AppError::Invalid { field, detail }) => {
            let error = password_error(field.as_deref(), &body, v.lang).unwrap_or(detail);
            let next = after_password(f.get("next").map(String::as_str));
            super::page(&v, "password.html", ctx! { error => error, next => next })
        }
        Err(e) => Err(e.into()),
    }
}

/// What the password form says when the change is refused, in the reader's language, told by
/// the field at fault and the form itself (the use case's text is for the API): the current
/// password is wrong, the new one repeats it, or it is too short. `None` for anything else,
/// whose text is shown as it is.
fn password_error(field: Option<&str>, body: &PasswordChange, lang: Lang) -> Option<String> {
    let zh = lang == Lang::Zh;
    Some(match field? {
        "current" if zh => "当前密码不正确。".to_owned(),
        "current" => "The current password is wrong.".to_owned(),
        "new" if body.new == body.current && zh => "新密码不能与当前密码相同。".to_owned(),
        "new" if body.new == body.current => "The new password must differ from the current one.".to_owned(),
        "new" if body.new.chars().count() < secret::MIN_PASSWORD_CHARS => {
            if zh {
                format!("新密码至少需要 {} 个字符。", secret::MIN_PASSWORD_CHARS)
            } else {
                format!(
                    "The new password needs at least {} characters.",
                    secret::MIN_PASSWORD_CHARS
                )
            }
        }
        _ => return None,
    })
}
