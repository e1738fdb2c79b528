//! Findings (认定) on the pages: the ticket page's 认定 section, and `/findings` — a contract's
//! findings by month with the form for a finding about the month (or a ticket) — both calling
//! [`crate::app::findings`], which says who may record, withdraw and read.

use std::collections::{BTreeMap, HashMap};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use contract_terms::{Counts, FindingKind};
use serde_json::{Value as Json, json};

use super::i18n::Lang;
use super::{Fields, Viewer, WebError, WebResult, field, local_path, redirect_with};
use crate::app::audit::ClientAddr;
use crate::app::findings::{self, Facts, FindingQuery, NewFinding, Withdrawal};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions;
use crate::app::{AppError, AppResult};
use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("findings", "认定", "Findings"),
    (
        "findings_hint",
        "认定由甲方管理人员记录（事实、证据），乙方可见；只可撤回（须说明理由），不可修改或删除。",
        "Findings are recorded by the buyer's managers (facts, evidence) and seen by the vendor; they can only be withdrawn, with a reason, never edited or deleted.",
    ),
    ("no_findings", "暂无认定", "No findings"),
    ("record_finding", "记录认定", "Record a finding"),
    ("needs_finding", "需认定：", "Needs a finding: "),
    ("finding_kind", "认定事项", "Finding"),
    ("finding_summary", "认定内容（必填）", "What was found (required)"),
    (
        "finding_evidence",
        "证据（文件、通知编号、会议纪要）",
        "Evidence (documents, notice numbers, minutes)",
    ),
    ("finding_serious", "情节严重", "Serious (情节严重)"),
    ("finding_month", "月份（YYYY-MM）", "Month (YYYY-MM)"),
    ("finding_ticket", "工单号（可选）", "Ticket (optional)"),
    ("finding_contract", "合同", "Contract"),
    ("people_affected", "影响人数", "People affected"),
    ("economic_loss_yuan", "经济损失（元）", "Economic loss (yuan)"),
    ("months_of_data_lost", "丢失数据（月）", "Months of data lost"),
    ("attention", "媒体曝光或领导关注", "Media or leadership attention"),
    ("minutes", "时长（分钟）", "Minutes"),
    ("recorded_by", "记录人", "Recorded by"),
    ("withdraw", "撤回", "Withdraw"),
    ("withdraw_reason", "撤回理由（必填）", "Why (required)"),
    ("withdrawn", "已撤回", "Withdrawn"),
    ("finding_evidence_of", "认定依据：", "Findings: "),
    ("show", "查看", "Show"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// Every finding kind's key and Chinese label, in order (the form's choices).
pub(super) fn kinds() -> Vec<Json> {
    FindingKind::ALL
        .iter()
        .map(|k| json!({"key": k.key(), "label": k.label_zh()}))
        .collect()
}

/// Finding kinds' labels by key, and how rules count by key: what the report page names.
pub(super) fn labels(lang: Lang) -> Json {
    let kinds: BTreeMap<&str, &str> = FindingKind::ALL.iter().map(|k| (k.key(), k.label_zh())).collect();
    let counts: BTreeMap<&str, &str> = [Counts::PerOccurrence, Counts::PerMonth]
        .iter()
        .map(|c| (c.key(), if lang == Lang::Zh { c.label_zh() } else { c.label_en() }))
        .collect();
    json!({"kinds": kinds, "counts": counts, "words": words(lang)})
}

/// What the ticket page shows under 认定: the ticket's findings the reader sees, the contracts
/// the reader may record one against (none: no form), the kinds; `null` for a reader who reads
/// no findings.
pub(super) async fn ticket_section(
    state: &AppState,
    v: &Viewer,
    number: &str,
    system_id: i64,
    vendor_id: Option<i64>,
) -> AppResult<Json> {
    if !permissions::may_at_all(&v.p, Action::FindingRead) {
        return Ok(Json::Null);
    }
    let q = FindingQuery {
        ticket: Some(number.to_owned()),
        ..FindingQuery::default()
    };
    let list = findings::list(state, &v.p, q).await?;
    let mut contracts = Vec::new();
    if v.can_write() {
        for code in findings::contracts_of_ticket(&state.db, system_id, vendor_id).await? {
            if findings::may_record(state, &v.p, &code, Some(system_id)).await? {
                contracts.push(code);
            }
        }
    }
    let withdrawable = permissions::may(&v.p, Action::FindingWrite);
    Ok(json!({
        "list": list,
        "contracts": contracts,
        "kinds": kinds(),
        "withdrawable": withdrawable,
        "fw": words(v.lang),
    }))
}

/// `GET /findings?contract=…&month=…&kind=…&ticket=…`: a contract's findings (of a month), and
/// the form to record one for those who may.
pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let query = FindingQuery {
        contract: get("contract"),
        month: get("month"),
        ticket: get("ticket"),
    };
    let list = findings::list(&state, &v.p, query.clone()).await?;
    let mut contracts = Vec::new();
    if v.can_write() {
        for s in deductions::list(&state.db).await? {
            if findings::may_record(&state, &v.p, &s.contract.code, None).await? {
                contracts.push(json!({"code": s.contract.code, "name": s.contract.name}));
            }
        }
    }
    super::page(
        &v,
        "findings.html",
        ctx! {
            list => list,
            contracts => contracts,
            kinds => kinds(),
            fw => words(v.lang),
            q => json!({
                "contract": query.contract, "month": query.month, "ticket": query.ticket, "kind": get("kind"),
            }),
            withdrawable => permissions::may(&v.p, Action::FindingWrite),
        },
    )
}

/// A number of the form, or a field error.
fn number<T: std::str::FromStr>(f: &HashMap<String, String>, k: &str, field_name: &str) -> AppResult<Option<T>> {
    field(f, k)
        .map(|s| {
            s.parse::<T>()
                .map_err(|_| AppError::invalid(field_name, format!("{s:?} is not a number")))
        })
        .transpose()
}

fn new_finding(f: &HashMap<String, String>) -> AppResult<NewFinding> {
    let yuan: Option<f64> = number(f, "economic_loss_yuan", "facts.economic_loss_fen")?;
    Ok(NewFinding {
        contract: field(f, "contract").unwrap_or_default().to_owned(),
        kind: field(f, "kind").unwrap_or_default().to_owned(),
        ticket: field(f, "ticket").map(str::to_owned),
        month: field(f, "month").map(str::to_owned),
        summary: f.get("summary").cloned().unwrap_or_default(),
        facts: Facts {
            people_affected: number(f, "people_affected", "facts.people_affected")?,
            economic_loss_fen: yuan.map(|y| (y * 100.0).round() as i64),
            months_of_data_lost: number(f, "months_of_data_lost", "facts.months_of_data_lost")?,
            media_or_leadership_attention: field(f, "attention").map(|_| true),
            minutes: number(f, "minutes", "facts.minutes")?,
        },
        evidence: f.get("evidence").cloned().unwrap_or_default(),
        serious: field(f, "serious").is_some(),
    })
}

/// `POST /findings`: records a finding from the form and goes back.
pub async fn record(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let back = local_path(f.get("back").map(String::as_str), "/findings");
    let done = match new_finding(&f) {
        Ok(body) => findings::record(&state, &v.p, &from, body).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(view) => Ok(redirect_with(
            &back,
            &format!(
                "{} {} · {} ✓",
                words(v.lang)["record_finding"],
                view.code,
                view.kind_label
            ),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{} ✗ {e}", words(v.lang)["record_finding"]),
        )),
    }
}

/// `POST /findings/{id}/withdraw`: withdraws a finding with the form's reason and goes back.
pub async fn withdraw(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let back = local_path(f.get("back").map(String::as_str), "/findings");
    let body = Withdrawal {
        reason: f.get("reason").cloned().unwrap_or_default(),
    };
    match findings::withdraw(&state, &v.p, &from, &id, body).await {
        Ok(view) => Ok(redirect_with(
            &back,
            &format!("{} {} ✓", words(v.lang)["withdraw"], view.code),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{} ✗ {e}", words(v.lang)["withdraw"]))),
    }
}
