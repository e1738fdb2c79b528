//! Rectification orders (整改通知, issue 27) on the pages: `/rectifications` (the orders the
//! reader may see, and the form that issues one for the buyer's managers) and
//! `/rectifications/{id}` (the order, its clock, its history and only the acts the reader may do
//! now). The board lists a vendor's open orders and the dashboard the open and overdue ones
//! ([`card`]). Every page calls [`crate::app::rectification`] only: the acts offered are the use
//! case's [`allowed`](crate::app::rectification::acts::allowed).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use serde_json::{Value as Json, json};

use super::i18n::Lang;
use super::{Fields, PageRoute, Viewer, WebResult, at_get, at_post, field, redirect_with};
use crate::app::audit::ClientAddr;
use crate::app::permissions::{self, Action};
use crate::app::rectification::{self, ActBody, NewOrder, OrderQuery, OrderView, acts, id_of};
use crate::app::{AppError, AppResult};
use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("orders", "整改通知", "Rectification orders"),
    (
        "hint",
        "整改通知由采购方（用户单位或区局）管理人员下达给服务商。整改期限按日历计时（工作日默认按国家法定工作日，小时和天默认按系统的修复日历），临近和超过期限时按升级规则通知；服务商报告整改完成后计时暂停，待下达方验收。",
        "The buyer's managers (the unit or the bureau) order a vendor to rectify. The deadline is counted on a calendar (working days on the statutory working days by default, hours and days on the system's repair calendar) and escalated before and after it passes; once the vendor reports it done, the clock pauses until the issuer checks it.",
    ),
    ("none", "暂无整改通知", "No orders"),
    ("number", "编号", "Number"),
    ("title", "事由", "Title"),
    ("system", "系统", "System"),
    ("vendor", "服务商", "Vendor"),
    ("state", "状态", "State"),
    ("deadline", "整改期限", "Deadline"),
    ("clock", "计时", "Clock"),
    ("issue", "下达整改通知", "Issue an order"),
    ("contract", "合同", "Contract"),
    ("system_field", "系统代码", "System code"),
    ("source", "来源", "Source"),
    (
        "source_ref",
        "来源编号（认定事项 F-12、考核 A-3 或工单号）",
        "Source reference (F-12, A-3 or a ticket number)",
    ),
    ("request", "整改要求", "What must be put right"),
    (
        "within",
        "整改时限（如 5 个工作日、48 小时）",
        "Time allowed (e.g. 5 个工作日, 48h)",
    ),
    (
        "calendar",
        "计时日历（可选，默认系统的修复日历）",
        "Calendar (optional; default the system's repair calendar)",
    ),
    ("issued_by", "下达人", "Issued by"),
    ("issued_at", "下达时间", "Issued at"),
    ("issuer", "下达方", "Issuer"),
    ("issuer_bureau", "区局", "The bureau"),
    ("issuer_unit", "用户单位", "The user unit"),
    ("finding", "认定事项", "Finding"),
    ("history", "处理记录", "History"),
    ("when", "时间", "When"),
    ("who", "人员", "Who"),
    ("what", "操作", "Act"),
    ("said", "内容", "Said"),
    ("evidence", "证明材料", "Evidence"),
    ("your_acts", "可进行的操作", "What you may do"),
    ("no_acts", "当前没有需要您进行的操作。", "Nothing for you to do now."),
    ("report", "整改情况（必填）", "What was done (required)"),
    (
        "evidence_field",
        "证明材料（必填：文件、照片、测试记录等）",
        "Evidence (required: documents, photos, test records)",
    ),
    ("reason", "原因（必填）", "Reason (required)"),
    ("note", "说明（可选）", "Note (optional)"),
    ("open_orders", "未完成的整改通知", "Open rectification orders"),
    ("overdue", "已超期", "Overdue"),
    ("all_orders", "全部整改通知", "All orders"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// An act's or a state's name in `lang`: the use case's Chinese, or the key in English.
fn named(o: &OrderView, lang: Lang) -> Json {
    let (state, source) = match lang {
        Lang::Zh => (o.state_label.clone(), o.source_label.clone()),
        Lang::En => (o.state.replace('_', " "), o.source.clone()),
    };
    json!({
        "o": o,
        "state": state,
        "source": source,
        // What the countdown macro reads.
        "c": {
            "deadline": o.deadline, "state": o.clock, "breached": o.breached,
            "overdue_seconds": o.overdue_minutes * 60, "remaining_seconds": o.remaining_minutes * 60,
        },
    })
}

/// The page routes, each act its own route (as in the API), so that each needs its own permission.
pub(super) fn routes() -> Vec<PageRoute> {
    macro_rules! act_route {
        ($name:literal) => {
            at_post(
                concat!("/rectifications/{id}/", $name),
                |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                    act(s, v, from, id, $name, f.0)
                },
            )
        };
    }
    vec![
        at_get("/rectifications", list),
        at_post("/rectifications", issue),
        at_get("/rectifications/{id}", page),
        act_route!("submit"),
        act_route!("refuse"),
        act_route!("accept"),
        act_route!("reject"),
        act_route!("withdraw"),
    ]
}

/// `GET /rectifications`: the orders the reader may see, and the form to issue one.
pub async fn list(State(state): State<AppState>, v: Viewer) -> WebResult {
    let rows = rectification::list(&state, &v.p, OrderQuery::default()).await?;
    let contracts = rectification::issuable(&state, &v.p).await?;
    super::page(
        &v,
        "rectifications.html",
        ctx! {
            list => rows.iter().map(|o| named(o, v.lang)).collect::<Vec<_>>(),
            contracts => contracts.into_iter().map(|(code, name, systems)| json!({
                "code": code, "name": name,
                "systems": systems.into_iter().map(|(c, n)| json!({"code": c, "name": n})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            sources => rectification::SOURCES.iter().map(|(k, zh)| json!({"key": k, "label": if v.lang == Lang::Zh { *zh } else { *k }})).collect::<Vec<_>>(),
            rw => words(v.lang),
        },
    )
}

/// `POST /rectifications`: issues one from the form and opens it.
pub async fn issue(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)["issue"];
    let body = NewOrder {
        contract: field(&f, "contract").unwrap_or_default().to_owned(),
        system: field(&f, "system").map(str::to_owned),
        source: field(&f, "source").unwrap_or("other").to_owned(),
        source_ref: field(&f, "source_ref").map(str::to_owned),
        title: field(&f, "title").unwrap_or_default().to_owned(),
        request: field(&f, "request").unwrap_or_default().to_owned(),
        within: field(&f, "within").unwrap_or_default().to_owned(),
        calendar: field(&f, "calendar").map(str::to_owned),
        severity: None,
    };
    match rectification::issue(&state, &v.p, &from, body).await {
        Ok(o) => Ok(redirect_with(
            &format!("/rectifications/{}", o.number),
            &format!("{label} {} ✓", o.number),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with("/rectifications", &format!("{label} ✗ {}", e.detail()))),
    }
}

/// `GET /rectifications/{id}`: the order, its clock, its history and the reader's forms.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(id): Path<String>) -> WebResult {
    let (o, allowed) = rectification::get_with_acts(&state, &v.p, id_of(&id)?).await?;
    let history: Vec<Json> = o
        .events
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            json!({"at": e.at, "by": e.by, "text": e.text, "evidence": e.evidence,
                   "kind": if v.lang == Lang::Zh { e.kind_label.clone() } else { e.kind.clone() }})
        })
        .collect();
    let acts: Vec<Json> = allowed
        .iter()
        .map(|name| {
            let label = acts::ACTS.iter().find(|a| a.0 == *name).map_or(*name, |a| a.1);
            json!({"name": name, "label": if v.lang == Lang::Zh { label } else { name }})
        })
        .collect();
    super::page(
        &v,
        "rectification.html",
        ctx! {
            x => named(&o, v.lang),
            history => history,
            acts => acts,
            rw => words(v.lang),
        },
    )
}

/// `POST /rectifications/{id}/{act}`: the act, then back to the order with a message.
async fn act(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    id: String,
    name: &'static str,
    f: HashMap<String, String>,
) -> WebResult {
    v.check_form(&f)?;
    let id = id_of(&id)?;
    let back = format!("/rectifications/ZG-{id}");
    let body = ActBody {
        text: field(&f, "text").map(str::to_owned),
        evidence: field(&f, "evidence").map(str::to_owned),
        // The order as the reader saw it: an act on an order that changed since is refused.
        version: field(&f, "version").and_then(|v| v.parse().ok()),
    };
    let label = acts::act_label(name);
    match acts::act(&state, &v.p, &from, id, name, body).await {
        Ok(o) => Ok(redirect_with(
            &back,
            &format!("{label} · {} ✓ {}", o.number, o.state_label),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} · ZG-{id} ✗ {}", e.detail()))),
    }
}

/// The open orders for the board (a vendor's, to it) and the dashboard (every open order in the
/// reader's scope), most urgent first, with the count of overdue ones; `None` for a reader who
/// may not read orders.
pub async fn card(state: &AppState, v: &Viewer) -> AppResult<Option<Json>> {
    if !permissions::may_at_all(&v.p, Action::RectificationRead) {
        return Ok(None);
    }
    let q = OrderQuery {
        open: true,
        ..OrderQuery::default()
    };
    let mut rows = rectification::list(state, &v.p, q).await?;
    rows.sort_by_key(|o| (!o.breached, o.deadline));
    let (open, overdue) = acts::open_and_overdue(&rows);
    Ok(Some(json!({
        "open": open,
        "overdue": overdue,
        "list": rows.iter().take(20).map(|o| named(o, v.lang)).collect::<Vec<_>>(),
        "rw": words(v.lang),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `rw.key` the order templates use exists, in both languages, once.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["rectification"], "rw");
        super::super::templates::check_words(WORDS, &used);
    }
}
