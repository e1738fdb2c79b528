//! The record's sheets of what was counted and scored: satisfaction, the scored month (or a
//! quarter's or a year's months), the rectification orders; read from the stored figures.

use serde_json::Value;

use super::{list, num, pct, section, t, text_of, when};
use crate::app::reports::export::{Cell, Section};

/// The ticket ratings, and where the figures carry them (`satisfaction_rate`) the surveys, the two
/// combined by the contract's rule and the target with whether it is met.
pub(super) fn satisfaction(f: &Value) -> Section {
    let line = |label: &str, s: &Value| {
        vec![
            t(label),
            num(&s["rated"]),
            num(&s["satisfied"]),
            pct(&s["rate_pct"]),
            num(&s["mean"]),
        ]
    };
    let mut rows = Vec::new();
    if f["satisfaction"].is_object() {
        rows.push(line("工单评价", &f["satisfaction"]));
    }
    let r = &f["satisfaction_rate"];
    if r.is_object() {
        rows.push(line("满意度调查", &r["surveys"]));
        rows.push(line("合计", &r["combined"]));
        if let Some(target) = r["target"]["text"].as_str() {
            let met = match r["met"].as_bool() {
                Some(true) => "达标",
                Some(false) => "未达标",
                None => "—",
            };
            rows.push(vec![t("目标"), t(target), t(met), Cell::Empty, Cell::Empty]);
        }
    }
    section(
        "satisfaction",
        "满意度",
        vec!["来源", "评价数", "满意（4–5 分）", "满意率", "平均评分"],
        rows,
    )
}

pub(super) fn scorecard(s: &Value) -> Section {
    let mut rows = Vec::new();
    if s["period_kind"].is_string() {
        // A quarter or a year: its months as their final assessments scored them.
        for m in list(&s["months"]) {
            let below = if m["below"].as_bool() == Some(true) {
                "低于及格线"
            } else {
                ""
            };
            rows.push(vec![
                t("月份"),
                text_of(&m["month"]),
                t(below),
                Cell::Empty,
                num(&m["score"]),
            ]);
        }
        rows.push(vec![
            t("各月平均得分"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            num(&s["mean"]),
        ]);
        rows.push(vec![
            t("等级"),
            text_of(&s["grade"]["name"]),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]);
        for d in list(&s["decisions"]) {
            rows.push(vec![
                t("违约责任"),
                text_of(&d["month"]),
                text_of(&d["source"]),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
    } else if s["entered"].as_bool() != Some(true) {
        rows.push(vec![t("尚未评分"), Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
    } else {
        for c in list(&s["month"]["categories"]) {
            let category = c["name"].as_str().unwrap_or_default();
            for i in list(&c["items"]) {
                let item = i["name"].as_str().unwrap_or_default();
                for a in list(&i["aspects"]) {
                    rows.push(vec![
                        t(category),
                        t(item),
                        text_of(&a["name"]),
                        num(&a["max"]),
                        num(&a["given"]),
                    ]);
                }
                rows.push(vec![
                    t(category),
                    t(item),
                    t("小计"),
                    num(&i["points"]),
                    num(&i["subtotal"]),
                ]);
            }
            rows.push(vec![
                t(category),
                t("总得分"),
                Cell::Empty,
                num(&c["full"]),
                num(&c["total"]),
            ]);
        }
        rows.push(vec![
            t("月考核得分"),
            Cell::Empty,
            Cell::Empty,
            num(&s["month"]["full"]),
            num(&s["score"]),
        ]);
        rows.push(vec![
            t("等级"),
            text_of(&s["grade"]),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]);
        let below = if s["below"].as_bool() == Some(true) {
            "是"
        } else {
            "否"
        };
        rows.push(vec![
            t("低于及格线"),
            t(below),
            Cell::Empty,
            num(&s["pass_mark"]),
            Cell::Empty,
        ]);
        for r in list(&s["consequences"]) {
            rows.push(vec![
                t("违约责任"),
                text_of(&r["source"]),
                text_of(&r["charge"]),
                Cell::Empty,
                r["amount_fen"].as_i64().map_or(Cell::Empty, Cell::Yuan),
            ]);
        }
    }
    section(
        "scorecard",
        "考核评分",
        vec!["类别", "考核项", "方面", "满分", "得分"],
        rows,
    )
}

pub(super) fn rectification(r: &Value) -> Section {
    let mut rows: Vec<Vec<Cell>> = list(&r["orders"])
        .iter()
        .map(|o| {
            // `breached` in figures measured before the orders said `overdue`.
            let overdue = o["overdue"].as_bool().or(o["breached"].as_bool()) == Some(true);
            vec![
                text_of(&o["number"]),
                text_of(&o["title"]),
                text_of(&o["state_label"]),
                when(&o["issued_at"]),
                when(&o["deadline"]),
                t(if overdue { "是" } else { "否" }),
                when(&o["closed_at"]),
                text_of(&o["finding"]),
            ]
        })
        .collect();
    let mut total = vec![
        t("本月合计"),
        Cell::Text(format!(
            "下达 {} · 验收通过 {} · 拒绝整改 {} · 超期 {}",
            r["issued"], r["accepted"], r["refused"], r["overdue"]
        )),
    ];
    total.resize(8, Cell::Empty);
    rows.push(total);
    section(
        "rectification",
        "整改通知",
        vec![
            "编号",
            "事项",
            "状态",
            "下达时间",
            "整改期限",
            "超期",
            "关闭时间",
            "认定",
        ],
        rows,
    )
}
