//! `/problem-records`: the problem records (问题单) of the systems in the reader's scope, and one
//! problem's page with its tickets, the vendor's form for the analysis and the fix plan, and the
//! buyer's managers' button to close it — all calling [`crate::app::problems`], which says who
//! may do what.

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde_json::json;

use super::errors::reason;
use super::i18n::Lang;
use super::{Fields, Viewer, WebError, WebResult, field, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::problems::{self, ProblemChange, ProblemClose, ProblemQuery};
use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("problems", "问题单", "Problem records"),
    (
        "hint",
        "同一系统的同类故障（同一分类）在规定天数内重复发生时，相关工单自动归入一张问题单；服务商填写原因分析和修复计划，采购方管理人员确认后关闭。",
        "When one system fails the same way again (same category) within the policy's days, its tickets are gathered into one problem record; the vendor writes the root-cause analysis and the fix plan, the buyer's managers close it.",
    ),
    ("none", "暂无问题单", "No problem records"),
    ("number", "编号", "No."),
    ("system", "系统", "System"),
    ("category", "分类", "Category"),
    ("state", "状态", "State"),
    ("state_open", "处理中", "Open"),
    ("state_closed", "已关闭", "Closed"),
    ("opened_at", "发现时间", "Found"),
    ("closed_at", "关闭时间", "Closed"),
    ("tickets", "关联工单", "Tickets"),
    ("analysis", "原因分析", "Root-cause analysis"),
    ("plan", "修复计划", "Fix plan"),
    ("not_written", "（未填写）", "(not written)"),
    ("save", "保存", "Save"),
    ("close", "确认并关闭", "Confirm and close"),
    (
        "close_hint",
        "原因分析和修复计划均已填写后，由采购方管理人员关闭；关闭后如再次发生，将新建问题单。",
        "The buyer's managers close it once the analysis and the plan are written; a later recurrence opens a new record.",
    ),
    ("all", "全部", "All"),
    ("show", "查看", "Show"),
    ("ticket", "工单", "Ticket"),
    ("title", "标题", "Title"),
    ("occurred", "发生时间", "Began"),
    ("uncategorised", "未分类", "Not categorised"),
    ("system_code", "系统编码", "System code"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// `GET /problem-records?state=…&system=…`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let query = ProblemQuery {
        state: get("state"),
        system: get("system"),
    };
    let list = problems::list(&state, &v.p, query).await?;
    super::page(
        &v,
        "problems.html",
        ctx! { list => list, pw => words(v.lang), q => json!({"state": get("state"), "system": get("system")}) },
    )
}

/// `GET /problem-records/{number}`.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(number): Path<String>) -> WebResult {
    let p = problems::get(&state, &v.p, &number).await?;
    let (may_write, may_close) = problems::abilities(&state, &v.p, &p).await?;
    super::page(
        &v,
        "problem.html",
        ctx! { p => p, pw => words(v.lang), may_write => may_write, may_close => may_close },
    )
}

/// `POST /problem-records/{number}`: writes the analysis and the plan (`close=1`: closes it).
pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(number): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let back = format!("/problem-records/{number}");
    let version = field(&f, "version")
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or_else(|| WebError::BadRequest("the form has no version".into()))?;
    let done = if field(&f, "close").is_some() {
        problems::close(&state, &v.p, &from, &number, ProblemClose { version }).await
    } else {
        let body = ProblemChange {
            version,
            analysis: f.get("analysis").cloned(),
            plan: f.get("plan").cloned(),
        };
        problems::change(&state, &v.p, &from, &number, body).await
    };
    let title = words(v.lang)["problems"];
    match done {
        Ok(p) => Ok(redirect_with(&back, &format!("{title} {} ✓", p.number))),
        // Out of scope is as absent: the 404 page, not a message on a page the reader cannot see.
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{title} ✗ {}", reason(&e, v.lang)))),
    }
}

#[cfg(test)]
mod tests {
    /// Every `pw.key` the problem pages use exists, in both languages.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["problems", "problem"], "pw");
        assert!(used.iter().any(|(_, k)| k == "analysis"), "{used:?}");
        super::super::templates::check_words(super::WORDS, &used);
    }
}
