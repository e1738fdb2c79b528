//! The assessment's record as a workbook (`GET /assessments/{id}/record.xlsx`): what the printed
//! record holds, as tables a spreadsheet reads, in Chinese, written by the reports' XLSX writer
//! ([`crate::app::reports::export::xlsx::workbook`]).
//!
//! | sheet | holds |
//! |---|---|
//! | 概况 | number, contract, vendor, unit, month, state, scheme, when measured, the content hash, ticket counts |
//! | 工单 | tickets received and breached per severity |
//! | 时限达标, 平均时长, 可用性 | the clocks' compliance, the mean times, each system's availability |
//! | 违约扣款 | each deduction rule's outcome, evidence and amount, and the total (the whole contract's only) |
//! | 满意度 | the tickets' ratings, the units' surveys and the two combined (rated, satisfied, rate, mean); the target and whether it is met |
//! | 考核评分 | each item and aspect scored, each category's total, the month's score, grade and consequences (a scheme only) |
//! | 整改通知 | the month's rectification orders (when the figures carry them) |
//! | 往来记录 | every act: when, who, for which party, what, what was said, the hash then |
//! | 签字 | each required party: who signed, when, the hash signed; and the content hash |
//! | 扫描件 | the scanned signed copies attached, with their SHA-256, and whether the figures were revised since (与现内容是否一致: 一致, or 不一致) |
//! | 说明 | the figures' footnotes |
//!
//! Everything but the thread, the signatures and the scans is read from the stored figures, the
//! text the content hash is computed over: the workbook says what was signed, not what the
//! month's tickets say now.

use chrono::{DateTime, Utc};
use scorecard::lifecycle::Party;
use serde_json::Value;

mod parts;

use parts::{rectification, satisfaction, scorecard};

use super::{AssessmentView, get, scans};
use crate::app::auth::Principal;
use crate::app::reports::export::{Cell, Section, xlsx, zh};
use crate::app::{AppError, AppResult, Context};

/// The zone the record's instants are shown in.
const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// One required party's signature: who and when (the last `sign` of that party since the
/// signatures were last voided by a revision or a reopening), or nothing yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// The party.
    pub party: Party,
    /// Who signed (user name), if the party has.
    pub by: Option<String>,
    /// When.
    pub at: Option<DateTime<Utc>>,
    /// The content hash signed.
    pub hash: Option<String>,
}

/// Each required party's signature, in the rulebook's order of parties.
pub fn signatures(a: &AssessmentView) -> Vec<Signature> {
    let events = a.events.as_deref().unwrap_or_default();
    Party::ALL
        .iter()
        .filter(|p| a.required.iter().any(|r| r == p.key()))
        .map(|p| {
            let signed = a.signed.iter().any(|s| s == p.key());
            let by = events
                .iter()
                .rev()
                .take_while(|e| !matches!(e.kind.as_str(), "revise" | "reopen"))
                .find(|e| e.kind == "sign" && e.party.as_deref() == Some(p.key()))
                .filter(|_| signed);
            Signature {
                party: *p,
                by: by.and_then(|e| e.by.clone()),
                at: by.map(|e| e.at),
                hash: by.map(|e| e.content_hash.clone()),
            }
        })
        .collect()
}

/// An act's name in Chinese, as the thread names it.
fn act_zh(kind: &str) -> &str {
    match kind {
        "create" => "新建",
        "revise" => "修订",
        "send" => "发送乙方确认",
        "maintain" => "维持原考核",
        "agree" => "同意",
        "dispute" => "提出异议",
        "reply" => "回复",
        "sign" => "签字确认",
        "reopen" => "重新打开",
        other => other,
    }
}

/// A party's name in Chinese (a key the rulebook does not know as it is; none: 管理员).
fn party_zh(key: Option<&str>) -> String {
    match key {
        Some(k) => k
            .parse::<Party>()
            .map_or_else(|_| k.to_owned(), |p| p.label_zh().to_owned()),
        None => "管理员".to_owned(),
    }
}

/// Assessment `id`'s record as a workbook, for a reader `p`: the file's name and bytes.
pub async fn xlsx(ctx: &Context, p: &Principal, id: i64) -> AppResult<(String, Vec<u8>)> {
    let a = get(ctx, p, id).await?;
    let scans = scans::listed(&ctx.db, a.id, &a.content_hash).await?;
    let name = format!("assessment-A-{}-{}.xlsx", a.id, a.period);
    let bytes = tokio::task::spawn_blocking(move || {
        let figures = a.figures.clone().unwrap_or(Value::Null);
        let notes: Vec<String> = figures["notes"]
            .as_array()
            .map(|n| n.iter().filter_map(|n| n["zh"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
        let whole = "扣款按合同整体计算，见区局对全合同的考核";
        let unit = !figures["unit"].is_null();
        xlsx::workbook(&sections(&a, &figures, &scans), ZONE, &notes, |s| {
            (s.key == "deductions" && unit).then_some(whole)
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("XLSX: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("the record's workbook was not written: {e}")))??;
    Ok((name, bytes))
}

fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// A JSON value as a cell: a count, a measure (a number or a decimal written as text), text.
fn num(v: &Value) -> Cell {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Cell::Num(n.as_f64().unwrap_or_default()), Cell::Int),
        Value::String(s) => s.parse::<f64>().map_or_else(|_| Cell::Text(s.clone()), Cell::Num),
        _ => Cell::Empty,
    }
}

fn pct(v: &Value) -> Cell {
    v.as_f64().map_or(Cell::Empty, Cell::Pct)
}

fn when(v: &Value) -> Cell {
    v.as_str()
        .and_then(|s| s.parse::<DateTime<Utc>>().ok())
        .map_or(Cell::Empty, Cell::When)
}

fn text_of(v: &Value) -> Cell {
    v.as_str().map_or(Cell::Empty, t)
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn section(key: &'static str, title: &'static str, headers: Vec<&'static str>, rows: Vec<Vec<Cell>>) -> Section {
    Section {
        key,
        title,
        english: key,
        headers,
        rows,
    }
}

/// The record's sheets (see the module's table).
fn sections(a: &AssessmentView, f: &Value, scans: &[scans::ScanView]) -> Vec<Section> {
    let mut out = vec![summary(a, f), tickets(f)];
    out.push(section(
        "clocks",
        "时限达标",
        vec!["时限", "合计", "达标", "超时", "计时中", "达标率"],
        list(&f["clocks"])
            .iter()
            .map(|c| {
                vec![
                    Cell::Text(zh(c["clock"].as_str().unwrap_or_default())),
                    num(&c["total"]),
                    num(&c["met"]),
                    num(&c["breached"]),
                    num(&c["pending"]),
                    pct(&c["compliance_pct"]),
                ]
            })
            .collect(),
    ));
    out.push(section(
        "latency",
        "平均时长",
        vec![
            "指标",
            "时限",
            "次数",
            "平均（工作时间，分钟）",
            "平均（自然时间，分钟）",
        ],
        list(&f["latency"])
            .iter()
            .map(|l| {
                vec![
                    text_of(&l["measure"]),
                    Cell::Text(zh(l["clock"].as_str().unwrap_or_default())),
                    num(&l["count"]),
                    num(&l["working"]["mean_min"]),
                    num(&l["wall"]["mean_min"]),
                ]
            })
            .collect(),
    ));
    out.push(section(
        "availability",
        "可用性",
        vec!["系统", "目标", "实测", "中断时长（分钟）"],
        list(&f["availability"])
            .iter()
            .map(|s| {
                vec![
                    text_of(&s["name"]),
                    pct(&s["target_pct"]),
                    pct(&s["availability_pct"]),
                    num(&s["outage_min"]),
                ]
            })
            .collect(),
    ));
    out.push(deductions(f));
    out.push(satisfaction(f));
    if f["scorecard"].is_object() {
        out.push(scorecard(&f["scorecard"]));
    }
    if f["rectification"].is_object() {
        out.push(rectification(&f["rectification"]));
    }
    out.push(thread(a));
    out.push(signature_sheet(a));
    if !scans.is_empty() {
        out.push(scan_sheet(scans));
    }
    out
}

fn summary(a: &AssessmentView, f: &Value) -> Section {
    let c = &f["contract"];
    let unit = match &f["unit"] {
        Value::Null => "全合同".to_owned(),
        u => format!(
            "{}（{}）",
            u["name"].as_str().unwrap_or_default(),
            u["code"].as_str().unwrap_or_default()
        ),
    };
    let parties = |keys: &[String]| keys.iter().map(|k| party_zh(Some(k))).collect::<Vec<_>>().join("、");
    let state = a
        .state
        .parse::<scorecard::lifecycle::State>()
        .map_or_else(|_| a.state.clone(), |s| s.label_zh().to_owned());
    let mut rows = vec![
        vec![t("考核编号"), t(&a.code)],
        vec![
            t("合同"),
            Cell::Text(format!("{}（{}）", c["name"].as_str().unwrap_or_default(), a.contract)),
        ],
        vec![t("服务商"), text_of(&c["vendor_name"])],
        vec![t("用户单位"), Cell::Text(unit)],
        vec![t("考核月份"), t(&a.period)],
        vec![t("状态"), Cell::Text(state)],
        vec![t("考核方案"), a.scheme.as_deref().map_or(Cell::Empty, t)],
        vec![t("数据计算时间"), when(&f["measured_at"])],
        vec![t("须签字"), Cell::Text(parties(&a.required))],
        vec![t("已签字"), Cell::Text(parties(&a.signed))],
        vec![t("定稿时间"), a.final_at.map_or(Cell::Empty, Cell::When)],
        vec![t("内容校验值（SHA-256）"), t(&a.content_hash)],
    ];
    let k = &f["tickets"];
    for (label, key) in [
        ("受理工单", "received"),
        ("已解决", "resolved"),
        ("未关闭", "open"),
        ("已作废", "cancelled"),
        ("超时工单", "breached"),
    ] {
        rows.push(vec![t(label), num(&k[key])]);
    }
    rows.push(vec![t("超时计时数"), num(&f["breached"])]);
    section("summary", "概况", vec!["项目", "内容"], rows)
}

fn tickets(f: &Value) -> Section {
    let k = &f["tickets"];
    let mut rows: Vec<Vec<Cell>> = list(&k["by_severity"])
        .iter()
        .map(|s| {
            vec![
                Cell::Text(zh(s["severity"].as_str().unwrap_or_default())),
                num(&s["received"]),
                num(&s["breached"]),
            ]
        })
        .collect();
    rows.push(vec![t("合计"), num(&k["received"]), num(&k["breached"])]);
    section("tickets", "工单", vec!["等级", "受理", "超时"], rows)
}

fn deductions(f: &Value) -> Section {
    let d = &f["deductions"]["assessment"];
    fn outcome(s: &str) -> &str {
        match s {
            "fired" => "扣款",
            "exposure" => "待认定",
            "not_fired" => "未触发",
            "not_measured" => "未计量",
            other => other,
        }
    }
    let mut rows: Vec<Vec<Cell>> = list(&d["outcomes"])
        .iter()
        .map(|o| {
            let evidence: Vec<&str> = list(&o["evidence_zh"]).iter().filter_map(Value::as_str).collect();
            let notes: Vec<&str> = list(&o["notes_zh"]).iter().filter_map(Value::as_str).collect();
            vec![
                text_of(&o["rule"]),
                text_of(&o["label"]),
                t(outcome(o["status"].as_str().unwrap_or_default())),
                Cell::Text(evidence.join("、")),
                Cell::Text(notes.join("；")),
                o["amount_fen"].as_i64().map_or(Cell::Empty, Cell::Yuan),
            ]
        })
        .collect();
    if let Some(total) = d["total_fen"].as_i64() {
        rows.push(vec![
            t("扣款合计"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Yuan(total),
        ]);
    }
    section(
        "deductions",
        "违约扣款",
        vec!["条款", "条款内容", "结果", "依据", "说明", "金额（元）"],
        rows,
    )
}

fn thread(a: &AssessmentView) -> Section {
    section(
        "thread",
        "往来记录",
        vec!["时间", "人员", "签字方", "操作", "内容", "内容校验值"],
        a.events
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                vec![
                    Cell::When(e.at),
                    e.by.as_deref().map_or(Cell::Empty, t),
                    Cell::Text(party_zh(e.party.as_deref())),
                    t(act_zh(&e.kind)),
                    t(&e.text),
                    t(&e.content_hash),
                ]
            })
            .collect(),
    )
}

fn signature_sheet(a: &AssessmentView) -> Section {
    let mut rows: Vec<Vec<Cell>> = signatures(a)
        .into_iter()
        .map(|s| {
            vec![
                t(s.party.label_zh()),
                s.by.as_deref().map_or_else(|| t("尚未签字"), t),
                s.at.map_or(Cell::Empty, Cell::When),
                s.hash.as_deref().map_or(Cell::Empty, t),
            ]
        })
        .collect();
    rows.push(vec![
        t("内容校验值（SHA-256）"),
        Cell::Empty,
        Cell::Empty,
        t(&a.content_hash),
    ]);
    section(
        "signatures",
        "签字",
        vec!["签字方", "签字人", "签字时间", "所签校验值"],
        rows,
    )
}

/// A scan attached to the figures the assessment holds now.
const CURRENT: &str = "一致";

/// A scan attached to figures revised since: the paper shows what the assessment no longer says.
const STALE: &str = "不一致（上传后考核内容已修订）";

fn scan_sheet(scans: &[scans::ScanView]) -> Section {
    section(
        "scans",
        "扫描件",
        vec![
            "序号",
            "文件名",
            "类型",
            "大小（字节）",
            "SHA-256",
            "上传人",
            "代表",
            "上传时间",
            "上传时的内容校验值",
            "与现内容是否一致",
        ],
        scans
            .iter()
            .map(|s| {
                vec![
                    Cell::Int(i64::from(s.number)),
                    s.file_name.as_deref().map_or(Cell::Empty, t),
                    t(&s.media_type),
                    Cell::Int(s.size),
                    t(&s.sha256),
                    s.uploaded_by.as_deref().map_or(Cell::Empty, t),
                    Cell::Text(party_zh(s.party.as_deref())),
                    Cell::When(s.uploaded_at),
                    t(&s.content_hash),
                    t(if s.current { CURRENT } else { STALE }),
                ]
            })
            .collect(),
    )
}
