//! Assessments (考核, issue 27) on the pages: `/assessments` (the list the reader may see, and the
//! form that creates one for the buyer's managers), `/assessments/{id}` (the figures, who must and
//! has signed, the thread, and only the forms the reader may use now) and
//! `/assessments/{id}/print` (the record to print and sign, in Chinese, with one signature block
//! per required party and the content hash). Every page calls [`crate::app::assessments`] only:
//! the acts offered are the use case's [`allowed_acts`](crate::app::assessments::acts::allowed_acts),
//! the rulebook asked, never a rule written here.

pub(super) mod scans;
mod scores;

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use scorecard::lifecycle::{Party, State as Stage};
use serde_json::{Value as Json, json};

use super::errors::reason;
use super::i18n::{self, Lang};
use super::{Fields, PageRoute, Viewer, WebResult, at_get, at_post, field, redirect_with};
use crate::app::AppError;
use crate::app::assessments::{self, ActBody, AssessmentQuery, AssessmentView, NewAssessment};
use crate::app::audit::ClientAddr;
use crate::http::AppState;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("assessments", "考核", "Assessments"),
    (
        "hint",
        "考核由采购方（用户单位或区局）管理人员编制并发送乙方；乙方同意或提出异议；各方用本人账号签字后定稿，定稿后数据冻结。",
        "An assessment is written and sent by the buyer's managers (the unit or the bureau); the vendor agrees or disputes; each party signs with its own account, and it is then final and frozen.",
    ),
    ("none", "暂无考核", "No assessments"),
    ("code", "编号", "Number"),
    ("contract", "合同", "Contract"),
    ("unit", "用户单位", "User unit"),
    ("whole_contract", "全合同", "Whole contract"),
    ("month", "月份", "Month"),
    ("state", "状态", "State"),
    ("awaiting", "待签字", "Still to sign"),
    ("signed", "已签字", "Signed"),
    ("required", "须签字", "Must sign"),
    ("create", "新建考核", "New assessment"),
    ("month_field", "月份（YYYY-MM）", "Month (YYYY-MM)"),
    ("unit_field", "用户单位代码（可选）", "User unit code (optional)"),
    (
        "signers_hint",
        "签字方默认：用户单位（按单位考核时）、乙方（服务商）、甲方（区局）。",
        "Signers by default: the user unit (for a unit's assessment), the vendor and the bureau.",
    ),
    ("figures", "考核数据", "Figures"),
    ("measured_at", "数据计算时间", "Measured at"),
    ("tickets", "工单", "Tickets"),
    ("received", "受理", "Received"),
    ("resolved", "已解决", "Resolved"),
    ("open", "未关闭", "Open"),
    ("cancelled", "已作废", "Voided"),
    ("breached", "超时", "Breached"),
    ("breached_clocks", "超时计时数", "Late clocks"),
    ("severity", "等级", "Severity"),
    ("compliance", "时限达标", "Compliance"),
    ("clock", "时限", "Clock"),
    ("total", "合计", "Total"),
    ("met", "达标", "Met"),
    ("pending", "计时中", "Running"),
    ("rate", "达标率", "Rate"),
    ("latency", "平均时长", "Mean times"),
    ("measure", "指标", "Measure"),
    ("count", "次数", "Count"),
    ("mean", "平均（工作时间）", "Mean (working time)"),
    ("availability", "可用率", "Availability"),
    ("system", "系统", "System"),
    ("target", "目标", "Target"),
    ("measured", "实测", "Measured"),
    ("outage", "中断时长", "Outage"),
    ("device_kpis", "设备指标", "Device KPIs"),
    ("kpi", "指标", "KPI"),
    ("verdict", "是否达标", "Met?"),
    (
        "kpi_main_device_availability",
        "主要设备可用率",
        "Main-device availability",
    ),
    ("kpi_online_rate", "设备在线率", "Online rate"),
    ("kpi_filing_rate", "一机一档备案率", "Device filing rate"),
    ("kpi_not_met", "未达标", "Not met"),
    ("deductions", "扣款", "Deductions"),
    ("rule", "条款", "Rule"),
    ("outcome", "结果", "Outcome"),
    ("evidence", "依据", "Evidence"),
    ("amount", "金额", "Amount"),
    ("deduction_total", "扣款合计", "Total deducted"),
    (
        "no_deductions",
        "本合同未设扣款条款。",
        "The contract sets no deduction rules.",
    ),
    (
        "deductions_whole",
        "扣款按合同整体计算，见区局对全合同的考核。",
        "Deductions are the whole contract's: see the bureau's assessment of the whole contract.",
    ),
    ("out_fired", "扣款", "Deducted"),
    ("out_exposure", "待认定", "Awaits a finding"),
    ("out_not_fired", "未触发", "Not triggered"),
    ("out_not_measured", "未计量", "Not measured"),
    ("signatures", "签字", "Signatures"),
    ("party", "签字方", "Party"),
    ("signer", "签字人", "Signed by"),
    ("signed_at", "签字时间", "Signed at"),
    ("not_signed", "尚未签字", "Not signed yet"),
    ("thread", "往来记录", "Thread"),
    ("when", "时间", "When"),
    ("who", "人员", "Who"),
    ("what", "操作", "Act"),
    ("said", "内容", "Said"),
    ("hash_prefix", "校验值", "Hash"),
    ("content_hash", "内容校验值（SHA-256）", "Content hash (SHA-256)"),
    ("print", "打印考核记录", "Print the record"),
    ("your_acts", "可进行的操作", "What you may do"),
    ("no_acts", "当前没有需要您进行的操作。", "Nothing for you to do now."),
    ("note_optional", "说明（可选）", "Note (optional)"),
    (
        "points",
        "异议要点（每行一条，必填）",
        "Points disputed (one per line, required)",
    ),
    ("reply_text", "回复内容（必填）", "Reply (required)"),
    ("reason", "重新打开的原因（必填）", "Why reopen (required)"),
    (
        "sign_hint",
        "签字即确认上述考核数据，签字记录本页所示的校验值：",
        "Signing confirms the figures above and records the hash shown here:",
    ),
    ("act_create", "新建", "Created"),
    ("act_revise", "重新计算并修订", "Measure again and revise"),
    ("act_send", "发送乙方确认", "Send to the vendor"),
    ("act_maintain", "维持原考核", "Maintain the figures"),
    ("act_agree", "同意", "Agree"),
    ("act_dispute", "提出异议", "Dispute"),
    ("act_reply", "回复", "Reply"),
    ("act_sign", "签字确认", "Sign"),
    ("act_reopen", "重新打开", "Reopen"),
    ("st_draft", "草稿", "Draft"),
    ("st_sent", "待乙方确认", "Awaiting the vendor"),
    ("st_disputed", "有异议", "Disputed"),
    ("st_agreed", "待签字", "Awaiting signatures"),
    ("st_final", "已定稿", "Final"),
    ("pt_unit", "用户单位", "User unit"),
    ("pt_vendor", "乙方（服务商）", "Vendor"),
    ("pt_bureau", "甲方（区局）", "Bureau"),
    ("pt_supervisor", "监理", "Supervisor"),
    ("pt_admin", "管理员", "Administrator"),
    ("scores", "考核评分", "Scores"),
    (
        "scores_hint",
        "按考核方案逐项评分，每一方面不超过其满分；保存后重新计算考核数据，已有签字作废。",
        "Score each item by the scheme, each aspect at most its maximum; saving measures the figures again and voids any signature.",
    ),
    ("item", "考核项", "Item"),
    ("item_points", "分值", "Points"),
    ("aspects", "各方面评分（满分）", "Aspects (maximum)"),
    ("save_scores", "保存评分并重新计算", "Save the scores and measure again"),
    (
        "not_a_number",
        "不是有效的分数（最多两位小数）",
        "is not a number with at most two decimals",
    ),
    ("scorecard", "考核得分", "Scored month"),
    ("category", "类别", "Category"),
    ("category_total", "总得分", "Total"),
    ("full", "满分", "Full score"),
    ("month_score", "月考核得分", "Month's score"),
    ("grade", "等级", "Grade"),
    ("pass_mark", "及格线（低于即不合格）", "Pass mark (below fails)"),
    ("below", "低于及格线", "Below the pass mark"),
    ("consequence", "违约责任", "Consequence"),
    ("not_entered", "尚未评分。", "Not scored yet."),
    ("period_mean", "各月平均得分", "Mean of the months"),
    ("record_xlsx", "导出考核记录 XLSX", "Record as XLSX"),
    ("scans", "签字盖章扫描件", "Signed scans"),
    (
        "scans_hint",
        "各方签字盖章后的纸质考核记录，扫描后上传存档；上传不改变考核数据和校验值。格式：",
        "The paper record signed and stamped by the parties, scanned and kept here; attaching one changes neither the figures nor the hash. Formats:",
    ),
    (
        "scan_max",
        "每份不超过 10 MB；每份考核最多 20 份，合计不超过 50 MB。",
        "at most 10 MB each; at most 20 scans and 50 MB in all per assessment.",
    ),
    ("no_scans", "尚未上传扫描件。", "No scan attached yet."),
    ("scan_no", "序号", "No."),
    ("file", "文件", "File"),
    ("size", "大小", "Size"),
    ("bytes", "字节", "bytes"),
    ("download", "下载", "Download"),
    ("scan_file", "扫描件文件", "Scanned file"),
    ("scan_upload", "上传扫描件", "Attach the scan"),
    ("scan_none", "请选择要上传的文件", "choose a file to attach"),
    ("scan_too_large", "扫描件不能超过 10 MB", "a scan is at most 10 MB"),
    ("scan_figures", "对应内容", "Figures"),
    ("scan_current", "与现内容一致", "current"),
    ("scan_stale", "内容已修订", "revised since"),
    (
        "scan_stale_hint",
        "上传后考核数据已修订：扫描件上的不是现在的内容，其内容校验值与现在的不同。",
        "The figures were revised after this scan was attached: the paper shows figures the assessment no longer holds (another content hash).",
    ),
    ("satisfaction", "用户满意度", "Satisfaction"),
    ("rated", "评价数", "Rated"),
    ("satisfied", "满意（4–5 分）", "Satisfied (4–5)"),
    ("sat_rate", "满意率", "Satisfied rate"),
    ("sat_mean", "平均评分", "Mean rating"),
];

/// The words of `lang`, by key.
fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// The page routes of assessments, each act its own route (as in the API), so that each needs
/// its own permission (web/permissions.rs).
pub(super) fn routes() -> Vec<PageRoute> {
    macro_rules! act_route {
        ($name:literal) => {
            at_post(
                concat!("/assessments/{id}/", $name),
                |s: State<AppState>, v: Viewer, from: ClientAddr, Path(id): Path<String>, f: Fields| {
                    act(s, v, from, id, $name, f.0)
                },
            )
        };
    }
    vec![
        at_get("/assessments", list),
        at_post("/assessments", create),
        at_get("/assessments/{id}", page),
        at_get("/assessments/{id}/print", print),
        act_route!("revise"),
        act_route!("send"),
        act_route!("maintain"),
        act_route!("agree"),
        act_route!("dispute"),
        act_route!("reply"),
        act_route!("sign"),
        act_route!("reopen"),
        ("POST", "/assessments/{id}/scans", axum::routing::post(scans::upload)),
    ]
}

use crate::app::assessments::id_of;

/// A party's name in `lang` (the rulebook's own Chinese label).
fn party_label(key: &str, lang: Lang) -> String {
    match (key.parse::<Party>(), lang) {
        (Ok(p), Lang::Zh) => p.label_zh().to_owned(),
        _ => words(lang)
            .get(format!("pt_{key}").as_str())
            .map_or_else(|| key.to_owned(), |w| (*w).to_owned()),
    }
}

/// A state's name in `lang` (the rulebook's own Chinese label).
fn state_label(key: &str, lang: Lang) -> String {
    match (key.parse::<Stage>(), lang) {
        (Ok(s), Lang::Zh) => s.label_zh().to_owned(),
        _ => words(lang)
            .get(format!("st_{key}").as_str())
            .map_or_else(|| key.to_owned(), |w| (*w).to_owned()),
    }
}

/// A view with its state and parties named for people.
fn named(a: &AssessmentView, lang: Lang) -> Json {
    let names = |keys: &[String]| keys.iter().map(|k| party_label(k, lang)).collect::<Vec<_>>();
    json!({
        "view": a,
        "state": state_label(&a.state, lang),
        "required": names(&a.required),
        "awaiting": names(&a.awaiting),
        "signed": names(&a.signed),
    })
}

/// `GET /assessments`: the assessments the reader may see, and the form to create one.
pub async fn list(State(state): State<AppState>, v: Viewer) -> WebResult {
    let rows = assessments::list(&state, &v.p, AssessmentQuery::default()).await?;
    let contracts = assessments::assessable(&state, &v.p).await?;
    let names = assessments::names(&state, &rows).await?;
    super::page(
        &v,
        "assessments.html",
        ctx! {
            list => rows.iter().map(|a| named(a, v.lang)).collect::<Vec<_>>(),
            contracts => contracts.into_iter().map(|(code, name)| json!({"code": code, "name": name})).collect::<Vec<_>>(),
            names => names,
            aw => words(v.lang),
            month => v.now.with_timezone(&super::templates::ZONE).format("%Y-%m").to_string(),
        },
    )
}

/// `POST /assessments`: creates one from the form and opens it.
pub async fn create(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let label = words(v.lang)["create"];
    let body = NewAssessment {
        contract: field(&f, "contract").unwrap_or_default().to_owned(),
        period: field(&f, "period").unwrap_or_default().to_owned(),
        unit: field(&f, "unit").map(str::to_owned),
        signers: None,
        scheme: field(&f, "scheme").map(str::to_owned),
    };
    match assessments::create(&state, &v.p, &from, body).await {
        Ok(a) => Ok(redirect_with(
            &format!("/assessments/{}", a.id),
            &format!("{label} {} ✓", a.code),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            "/assessments",
            &format!("{label} ✗ {}", reason(&e, v.lang)),
        )),
    }
}

/// Each required party's signature ([`assessments::record::signatures`]): who and when, or
/// nothing yet, with the party named for people.
fn signatures(a: &AssessmentView, lang: Lang) -> Vec<Json> {
    assessments::record::signatures(a)
        .into_iter()
        .map(|s| {
            json!({
                "party": s.party.key(),
                "label": party_label(s.party.key(), lang),
                "by": s.by,
                "at": s.at,
                "hash": s.hash,
            })
        })
        .collect()
}

/// The thread as people read it: the act's and the party's names, the hash's first 12 digits.
fn thread(a: &AssessmentView, lang: Lang) -> Vec<Json> {
    let w = words(lang);
    a.events
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            json!({
                "at": e.at,
                "by": e.by,
                "party": party_label(e.party.as_deref().unwrap_or("admin"), lang),
                "kind": w.get(format!("act_{}", e.kind).as_str()).copied().unwrap_or(e.kind.as_str()),
                "text": e.text,
                "hash": e.content_hash.chars().take(12).collect::<String>(),
            })
        })
        .collect()
}

/// `GET /assessments/{id}`: the figures, the signatures, the thread and the reader's forms.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(id): Path<String>) -> WebResult {
    render(&state, &v, id_of(&id)?, None).await
}

/// Assessment `id`'s page for `v`, with the score sheet as `typed` when it was refused.
async fn render(state: &AppState, v: &Viewer, id: i64, typed: Option<scores::Typed>) -> WebResult {
    let (a, allowed) = assessments::get_with_acts(state, &v.p, id).await?;
    let sheet = scores::sheet_for(&a, &allowed, typed.as_ref())?;
    let scans = assessments::scans::list(state, &v.p, id).await?;
    let may_attach = assessments::scans::may_attach(state, &v.p, id).await?;
    super::page(
        v,
        "assessment.html",
        ctx! {
            a => named(&a, v.lang),
            f => a.figures.clone().unwrap_or(Json::Null),
            signatures => signatures(&a, v.lang),
            thread => thread(&a, v.lang),
            acts => allowed,
            sheet => sheet,
            score_error => typed.map(|t| t.error),
            scans => scans.iter().map(|s| json!({"s": s, "party": party_label(s.party.as_deref().unwrap_or("admin"), v.lang)})).collect::<Vec<_>>(),
            stale_scans => scans.iter().any(|s| !s.current),
            may_attach => may_attach,
            aw => words(v.lang),
        },
    )
}

/// `GET /assessments/{id}/print`: the record to print and sign, in Chinese whatever the reader
/// chose (the signed paper is one language, as the printable report is).
pub async fn print(State(state): State<AppState>, v: Viewer, Path(id): Path<String>) -> WebResult {
    let a = assessments::get(&state, &v.p, id_of(&id)?).await?;
    let mut res = super::html(
        "assessment_print.html",
        ctx! {
            a => named(&a, Lang::Zh),
            f => a.figures.clone().unwrap_or(Json::Null),
            signatures => signatures(&a, Lang::Zh),
            aw => words(Lang::Zh),
            tr => i18n::words(Lang::Zh),
            lang => "zh",
        },
    )?;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /assessments/{id}/{act}`: the act, then back to the assessment with a message.
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
    if name == "revise" && f.contains_key("scores") {
        return scores::submit(state, v, from, id, f).await;
    }
    let back = format!("/assessments/{id}");
    let body = ActBody {
        hash: field(&f, "hash").map(str::to_owned),
        points: f
            .get("points")
            .map(|p| {
                p.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        text: field(&f, "text").map(str::to_owned),
        reason: field(&f, "reason").map(str::to_owned),
        // Scores come with the score sheet (`scores`, above); revising without it keeps them.
        scores: None,
    };
    let label = words(v.lang)
        .get(format!("act_{name}").as_str())
        .copied()
        .unwrap_or(name);
    match assessments::acts::act(&state, &v.p, &from, id, name, body).await {
        Ok(a) => Ok(redirect_with(
            &back,
            &format!("{label} · {} ✓ {}", a.code, state_label(&a.state, v.lang)),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{label} · A-{id} ✗ {}", reason(&e, v.lang)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `aw.key` the assessment templates use exists, in both languages, once.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["assessment"], "aw");
        super::super::templates::check_words(WORDS, &used);
        let seen: std::collections::BTreeSet<&str> = WORDS.iter().map(|(k, _, _)| *k).collect();
        for (name, _) in crate::app::assessments::acts::ACTS {
            assert!(seen.contains(&format!("act_{name}").as_str()), "act_{name}");
        }
        for p in Party::ALL {
            assert!(seen.contains(&format!("pt_{}", p.key()).as_str()));
        }
    }
}
