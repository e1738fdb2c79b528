//! Inspections (巡检) on the pages: `/inspections` (the inspections the reader may see, due first,
//! with filters) and `/inspections/{id}` (one, with its checklist: the results once done, the
//! recording form while due for a vendor's people). Both call [`crate::app::inspections`] only.

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde_json::{Value as Json, json};

use super::i18n::Lang;
use super::{Fields, PageRoute, Viewer, WebResult, at_get, at_post, field, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::inspections::{
    self, InspectionQuery, InspectionView, RecordBody, ResultBody, TicketBody, every_zh, mode_zh, state_zh,
};

use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("inspections", "巡检", "Inspections"),
    (
        "hint",
        "巡检按目录中各系统的巡检频次生成：每个周期应完成规定次数，周期结束前未记录的计为漏检，列入违约报告。服务商工程师逐项记录巡检结果；发现问题的项目可同时创建故障工单。",
        "Inspections come from each system's cadence in the catalogue: each period owes its count, due by the period's end; one not recorded by then is missed and listed in the breach report. The vendor's engineer records the results item by item; an item found wrong may open a fault ticket at once.",
    ),
    ("system", "系统", "System"),
    ("unit", "用户单位", "Unit"),
    ("cadence", "频次", "Cadence"),
    ("period", "期间", "Period"),
    ("seq", "次序", "No."),
    ("due_at", "截止时间", "Due"),
    ("state", "状态", "State"),
    ("done_at", "完成时间", "Done at"),
    ("done_by", "记录人", "Recorded by"),
    ("none", "暂无巡检", "No inspections"),
    ("all", "全部", "All"),
    ("show", "查看", "Show"),
    ("system_code", "系统代码", "System code"),
    ("period_filter", "截止期间（如 2026-12）", "Due in (e.g. 2026-12)"),
    ("checklist", "检查单", "Checklist"),
    ("item", "检查项目", "Item"),
    ("result", "结果", "Result"),
    ("ok", "正常", "OK"),
    ("not_ok", "异常", "Not OK"),
    ("remark", "情况说明", "Remark"),
    ("ticket", "工单", "Ticket"),
    ("open_ticket", "创建故障工单（级别）", "Open a fault ticket (severity)"),
    ("no_ticket", "不创建", "None"),
    ("note", "备注", "Note"),
    ("record", "提交巡检记录", "Record the inspection"),
    ("back", "返回巡检列表", "Back to the inspections"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

pub(super) fn routes() -> Vec<PageRoute> {
    vec![
        at_get("/inspections", list),
        at_get("/inspections/{id}", page),
        at_post("/inspections/{id}/record", record),
    ]
}

/// The view with its labels in the reader's language.
fn named(i: &InspectionView, lang: Lang) -> Json {
    let mut v = json!(i);
    let mode = i.mode.as_deref().unwrap_or("any");
    let (cadence, state) = if lang == Lang::Zh {
        (
            format!("{}{}", every_zh(&i.every), mode_zh(mode)),
            state_zh(&i.state).to_owned(),
        )
    } else {
        let mode = i
            .mode
            .as_deref()
            .map(|m| format!(", {}", m.replace('_', " ")))
            .unwrap_or_default();
        (format!("{}{mode}", i.every.replace('_', " ")), i.state.clone())
    };
    v["cadence"] = json!(cadence);
    v["state_label"] = json!(state);
    v
}

/// `GET /inspections?system=&state=&period=`: due first, then missed and done.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| super::WebError::BadRequest(e.body_text()))?.0;
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let query = InspectionQuery {
        system: get("system"),
        state: get("state"),
        period: get("period"),
        limit: Some(500),
    };
    let rows = inspections::list(&state, &v.p, query.clone()).await?;
    let states: Vec<Json> = inspections::STATES
        .iter()
        .map(|(k, zh)| json!({"key": k, "label": if v.lang == Lang::Zh { *zh } else { *k }}))
        .collect();
    super::page(
        &v,
        "inspections.html",
        ctx! {
            list => rows.iter().map(|i| named(i, v.lang)).collect::<Vec<_>>(),
            states => states,
            q => json!({"system": query.system, "state": query.state, "period": query.period}),
            iw => words(v.lang),
        },
    )
}

/// `GET /inspections/{id}`: the inspection with its checklist, and the form while it is due.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> WebResult {
    let i = inspections::get(&state, &v.p, id).await?;
    let recorder = crate::app::inspections::record::may_record(&v.p, &i, state.now());
    let severities: Vec<Json> = sla_clock::Severity::ALL
        .iter()
        .map(|s| json!({"key": s.key(), "label": if v.lang == Lang::Zh { s.label_zh() } else { s.key() }}))
        .collect();
    super::page(
        &v,
        "inspection.html",
        ctx! {
            x => named(&i, v.lang),
            recorder => recorder,
            severities => severities,
            iw => words(v.lang),
        },
    )
}

/// The form's results: for each item `KEY`, `ok:KEY` (`ok` or `not_ok`), `remark:KEY` and
/// `ticket:KEY` (a severity, or empty for none), in the checklist's order.
fn body(i: &InspectionView, f: &HashMap<String, String>) -> RecordBody {
    let results = i
        .items
        .iter()
        .filter_map(|it| {
            let ok = field(f, &format!("ok:{}", it.item))?;
            Some(ResultBody {
                item: it.item.clone(),
                ok: ok == "ok",
                remark: field(f, &format!("remark:{}", it.item)).unwrap_or_default().to_owned(),
                ticket: field(f, &format!("ticket:{}", it.item)).map(|s| TicketBody {
                    severity: s.to_owned(),
                    title: None,
                }),
            })
        })
        .collect();
    RecordBody {
        results,
        note: field(f, "note").map(str::to_owned),
    }
}

/// `POST /inspections/{id}/record`: records it, then back to it with a message.
pub async fn record(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let back = format!("/inspections/{id}");
    let label = words(v.lang)["record"];
    let i = inspections::get(&state, &v.p, id).await?;
    match inspections::record(&state, &v.p, &from, id, body(&i, &f)).await {
        Ok(done) => {
            let tickets: Vec<&str> = done.items.iter().filter_map(|it| it.ticket.as_deref()).collect();
            Ok(redirect_with(&back, &format!("{label} ✓ {}", tickets.join(" "))))
        }
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{label} ✗ {}", super::errors::reason(&e, v.lang)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `iw.key` the inspection templates use exists, in both languages, once.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["inspection"], "iw");
        super::super::templates::check_words(WORDS, &used);
    }
}
