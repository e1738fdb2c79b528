//! `/periodic-reports`: the periodic reports (定期报告: 月报, 季度报告…) of the contracts the reader
//! reads, and one report's page with its facts, its sections as tables, the vendor's form for
//! the parts written in words (save, submit), the bureau's managers' forms to acknowledge or
//! return it, and its Word file — all calling [`crate::app::periodic_reports`], which says who
//! may do what.

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::{Value as Json, json};

use super::errors::reason;
use super::i18n::Lang;
use super::{Fields, PageRoute, Viewer, WebError, WebResult, at_get, at_post, field, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::periodic_reports::{
    self, Narrative, NarrativeChange, PeriodicReportQuery, PeriodicReportView, ReportAct, STATES, state_zh,
};
use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("reports", "定期报告", "Periodic reports"),
    (
        "hint",
        "合同约定的定期报告（月报、季度报告等）每个周期自动生成一份，统计表格取自系统记录；服务商填写文字部分后提交，区局管理人员确认或退回。到期未提交的计为逾期，列入违约报告。",
        "Each period owes one of the reports a contract asks for (monthly, quarterly…), its tables filled from the record; the vendor writes the parts in words and submits it, the bureau's managers acknowledge or return it. One not submitted by its due date is late and listed in the breach report.",
    ),
    ("none", "暂无定期报告", "No periodic reports"),
    ("number", "编号", "No."),
    ("contract", "合同", "Contract"),
    ("contract_code", "合同编号", "Contract code"),
    ("name", "报告", "Report"),
    ("period", "期间", "Period"),
    ("due", "截止时间", "Due"),
    ("due_rule", "提交期限", "Due by"),
    (
        "no_due",
        "尚无法计算（节假日未公布）",
        "not known yet (holidays not published)",
    ),
    ("provisional", "暂定", "provisional"),
    (
        "provisional_hint",
        "节假日尚未公布，截止日暂按周末推算，公布后自动调整",
        "The holidays are not published yet: the due date counts weekends only for now and moves by itself once they are",
    ),
    ("state", "状态", "State"),
    ("late", "逾期", "Late"),
    ("lateness", "是否逾期", "Lateness"),
    ("late_only", "仅逾期", "Late only"),
    ("on_time_only", "未逾期", "Not late"),
    ("all", "全部", "All"),
    ("show", "查看", "Show"),
    ("source", "合同依据", "Source"),
    ("note", "说明", "Note"),
    ("submitted", "提交", "Submitted"),
    ("acknowledged", "确认", "Acknowledged"),
    ("returned_note", "退回原因", "Returned because"),
    ("sections", "统计", "Figures"),
    (
        "frozen",
        "以下表格为提交时的记录。",
        "The tables as the record read when it was submitted.",
    ),
    (
        "live",
        "以下表格按当前记录生成，提交时冻结。",
        "The tables read the record as it is now; submitting freezes them.",
    ),
    ("empty", "本期无记录", "Nothing in the period"),
    ("narrative", "工作总结", "Written parts"),
    ("not_written", "（未填写）", "(not written)"),
    ("save", "保存", "Save"),
    ("submit", "提交", "Submit"),
    (
        "submit_hint",
        "各部分填写完整后提交：统计表格按提交时的记录冻结，报告（DOCX）发送区局管理人员。",
        "Submit once every part is written: the tables are frozen as the record reads then, and the report (DOCX) is mailed to the bureau's managers.",
    ),
    ("acknowledge", "确认", "Acknowledge"),
    ("return", "退回", "Return"),
    ("return_reason", "退回原因（必填）", "Why (required)"),
    ("docx", "下载报告（DOCX）", "Download (DOCX)"),
    ("back", "返回定期报告列表", "Back to the periodic reports"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

pub(super) fn routes() -> Vec<PageRoute> {
    vec![
        at_get("/periodic-reports", list),
        at_get("/periodic-reports/{number}", page),
        at_get("/periodic-reports/{number}/docx", docx),
        at_post("/periodic-reports/{number}", save),
        at_post("/periodic-reports/{number}/submit", submit),
        at_post("/periodic-reports/{number}/decide", decide),
    ]
}

/// The view with its state in the reader's language.
fn named(r: &PeriodicReportView, lang: Lang) -> Json {
    let mut v = json!(r);
    let label = if lang == Lang::Zh {
        state_zh(&r.state)
    } else {
        r.state.as_str()
    };
    v["state_label"] = json!(label);
    v
}

/// `GET /periodic-reports?contract=&state=&late=`: newest period first.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let late = match get("late").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return Err(WebError::BadRequest(format!("late is true or false, not {other:?}"))),
    };
    let query = PeriodicReportQuery {
        contract: get("contract"),
        state: get("state"),
        late,
        limit: Some(500),
    };
    let rows = periodic_reports::list(&state, &v.p, query.clone()).await?;
    let states: Vec<Json> = STATES
        .iter()
        .map(|(k, zh)| json!({"key": k, "label": if v.lang == Lang::Zh { *zh } else { *k }}))
        .collect();
    super::page(
        &v,
        "periodic_reports.html",
        ctx! {
            list => rows.iter().map(|r| named(r, v.lang)).collect::<Vec<_>>(),
            states => states,
            q => json!({"contract": query.contract, "state": query.state, "late": get("late")}),
            pw => words(v.lang),
        },
    )
}

/// `GET /periodic-reports/{number}`: the report with its sections, and the forms the reader may use.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(number): Path<String>) -> WebResult {
    let r = periodic_reports::get(&state, &v.p, &number).await?;
    let may = periodic_reports::abilities(&v.p, &r);
    super::page(
        &v,
        "periodic_report.html",
        ctx! { r => named(&r, v.lang), may => may, pw => words(v.lang) },
    )
}

/// `GET /periodic-reports/{number}/docx`: the report as a Word file.
pub async fn docx(State(state): State<AppState>, v: Viewer, Path(number): Path<String>) -> WebResult<Response> {
    let (name, bytes) = periodic_reports::docx_file(&state, &v.p, &number).await?;
    Ok(crate::http::docx_response(&name, bytes))
}

/// The form's version.
fn version_of(f: &HashMap<String, String>) -> Result<i32, WebError> {
    field(f, "version")
        .and_then(|s| s.parse::<i32>().ok())
        .ok_or_else(|| WebError::BadRequest("the form has no version".into()))
}

/// Where a form goes back to, with `done`'s message; a report out of scope is as absent (the
/// 404 page, not a message on a page the reader cannot see).
fn back(number: &str, lang: Lang, done: Result<PeriodicReportView, AppError>) -> WebResult {
    let to = format!("/periodic-reports/{number}");
    let title = words(lang)["reports"];
    match done {
        Ok(r) => Ok(redirect_with(&to, &format!("{title} {} ✓", r.number))),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&to, &format!("{title} ✗ {}", reason(&e, lang)))),
    }
}

/// `POST /periodic-reports/{number}`: writes the parts (`part:HEADING` fields).
pub async fn save(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(number): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    write(&state, &v, &from, &number, &f, false).await
}

/// `POST /periodic-reports/{number}/submit`: writes the parts, then submits the report (the
/// form's second button, by its `formaction`: the script disables a form's buttons as it is
/// sent, so a button's own name and value would not be).
pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(number): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    write(&state, &v, &from, &number, &f, true).await
}

/// Writes the parts the form `f` holds, then, when `then_submit`, submits the report.
async fn write(
    state: &AppState,
    v: &Viewer,
    from: &ClientAddr,
    number: &str,
    f: &HashMap<String, String>,
    then_submit: bool,
) -> WebResult {
    v.check_form(f)?;
    let version = version_of(f)?;
    let narrative: Vec<Narrative> = f
        .iter()
        .filter_map(|(k, text)| {
            k.strip_prefix("part:").map(|heading| Narrative {
                heading: heading.to_owned(),
                text: text.clone(),
            })
        })
        .collect();
    let written = periodic_reports::change(state, &v.p, from, number, NarrativeChange { version, narrative }).await;
    let done = match written {
        Ok(r) if then_submit => {
            let act = ReportAct {
                version: r.version,
                note: None,
            };
            periodic_reports::submit(state, &v.p, from, number, act).await
        }
        done => done,
    };
    back(number, v.lang, done)
}

/// `POST /periodic-reports/{number}/decide`: `act=acknowledge`, or `act=return` with a `note`.
pub async fn decide(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(number): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let version = version_of(&f)?;
    let act = match field(&f, "act") {
        Some(a @ ("acknowledge" | "return")) => a,
        _ => {
            return Err(WebError::BadRequest(
                "the form says neither acknowledge nor return".into(),
            ));
        }
    };
    let body = ReportAct {
        version,
        note: field(&f, "note").map(str::to_owned),
    };
    let done = periodic_reports::decide(&state, &v.p, &from, &number, act, body).await;
    back(&number, v.lang, done)
}

#[cfg(test)]
mod tests {
    /// Every `pw.key` the periodic report pages use exists, in both languages, once.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["periodic_report"], "pw");
        assert!(used.iter().any(|(_, k)| k == "submit_hint"), "{used:?}");
        super::super::templates::check_words(super::WORDS, &used);
    }
}
