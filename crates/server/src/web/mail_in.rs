//! `/mail-in`: the mail taken in from the `[[mail_in]]` mailboxes with what became of each
//! message, and the triage queue — a message no rule and no unit placed is opened as a ticket
//! on a system, or dismissed — for admins and the bureau, calling [`crate::app::mail_in::triage`].

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};

use super::errors::reason;
use super::i18n::Lang;
use super::{Fields, Viewer, WebError, WebResult, field, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::mail_in::triage::{self, MailQuery, MailTriageOpen};
use crate::http::AppState;

/// The words of this page, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("mail_in", "邮件报障", "Mail in"),
    (
        "hint",
        "注册用户发到报障邮箱的邮件自动登记为工单；回复即为备注，首行写确认关键词即确认受理。无法确定系统的邮件在此等待分派。",
        "Mail from registered users to the fault mailboxes becomes tickets; a reply is a comment, a first line with the acknowledging keyword acknowledges. Mail whose system cannot be told waits here to be placed.",
    ),
    ("triage_only", "只看待分派", "Waiting for triage only"),
    ("show", "查看", "Show"),
    ("none", "暂无邮件", "No mail"),
    ("received", "收到时间", "Received"),
    ("mailbox", "邮箱", "Mailbox"),
    ("sender", "发件人", "From"),
    ("subject", "主题", "Subject"),
    ("outcome", "结果", "Outcome"),
    ("outcome_ticket", "已建工单", "Ticket opened"),
    ("outcome_comment", "已追加备注", "Commented"),
    ("outcome_ack", "已确认受理", "Acknowledged"),
    ("outcome_ignored", "已忽略", "Ignored"),
    ("outcome_triage", "待分派", "Waiting for triage"),
    ("outcome_refused", "已拒绝", "Refused"),
    ("outcome_pending", "处理中", "Being handled"),
    ("opened", "已分派建单", "Opened"),
    ("dismissed", "已驳回", "Dismissed"),
    ("system_code", "系统编码", "System code"),
    ("severity", "严重程度", "Severity"),
    ("open", "建立工单", "Open a ticket"),
    ("dismiss", "驳回", "Dismiss"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// `GET /mail-in?triage=1`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let only_triage = q.get("triage").is_some_and(|s| !s.is_empty());
    let query = MailQuery {
        triage: only_triage,
        mailbox: None,
        limit: Some(200),
    };
    let list = triage::list(&state, &v.p, query).await?;
    super::page(
        &v,
        "mail_in.html",
        ctx! { list => list, mw => words(v.lang), only_triage => only_triage },
    )
}

/// `POST /mail-in/{id}/open`: opens a ticket for the message on the system named.
pub async fn open(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let body = MailTriageOpen {
        system: field(&f, "system").unwrap_or_default().to_owned(),
        severity: field(&f, "severity").map(str::to_owned),
        title: None,
    };
    let done = triage::open(&state, &v.p, &from, id, body).await;
    back(v.lang, done.map(|t| t.number))
}

/// `POST /mail-in/{id}/dismiss`.
pub async fn dismiss(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let done = triage::dismiss(&state, &v.p, &from, id).await;
    back(v.lang, done.map(|()| format!("#{id}")))
}

fn back(lang: Lang, done: Result<String, AppError>) -> WebResult {
    let title = words(lang)["mail_in"];
    match done {
        Ok(what) => Ok(redirect_with("/mail-in?triage=1", &format!("{title} {what} ✓"))),
        Err(e @ (AppError::Internal(_) | AppError::Forbidden(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            "/mail-in?triage=1",
            &format!("{title} ✗ {}", reason(&e, lang)),
        )),
    }
}

#[cfg(test)]
mod tests {
    /// Every `mw.key` the page uses exists, in both languages.
    #[test]
    fn every_word_the_page_uses_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["mail_in"], "mw");
        assert!(used.iter().any(|(_, k)| k == "dismiss"), "{used:?}");
        super::super::templates::check_words(super::WORDS, &used);
    }
}
