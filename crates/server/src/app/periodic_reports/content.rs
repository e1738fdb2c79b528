//! What a periodic report says, filled from the record: tables, each with its heading and
//! columns in Chinese and English, so that the page, the DOCX and the frozen copy kept at
//! submission all read the same rows.
//!
//! The sections are those the seeds ask a 月报 to gather (002 L1186 "汇总云平台报警、日常巡检、工单
//! 处理…重大活动保障情况"; 000 L466 "故障处置记录，纳入月报"; 000 L592 "每月总结服务受理工作进展"):
//!
//! | key | 标题 | from |
//! |---|---|---|
//! | `tickets` | 工单统计 | tickets received, resolved, open, breached, by severity |
//! | `categories` | 分类统计 | the same by the contract's categories |
//! | `alarms` | 告警 | alarm tickets by severity |
//! | `clocks` | 时限达成 | each clock's met / breached / pending and compliance |
//! | `breaches` | 超时明细 | every breached clock |
//! | `incidents` | 故障登记 | each incident: cause, fix, impact window, duration |
//! | `inspections` | 巡检 | per system: owed, done, missed |
//! | `inspection_records` | 巡检记录 | each inspection done in the period: when, by whom, items in order, the faults found |
//! | `duties` | 定期任务 | each scheduled duty (值班, 备份检查…) that ran: its runs, their tickets done and open |
//! | `major_events` | 重保 | the 重保 windows over the period and their count |
//! | `satisfaction` | 满意度 | ratings and the satisfied share |
//! | `rectifications` | 整改 | the rectification orders open at the period's end or closed in it |
//! | `problems` | 问题单 | problem records opened in the period or still open |
//!
//! A duty's `sections` picks some of them, in its order; empty, all of them, in this order.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppResult;
use crate::app::reports::deductions::Stored;
use crate::app::reports::{self, Filters, Period, Scope};
use crate::app::vocab::Lang;
use crate::db::entities::{problems, rectification_orders, systems};

/// Every section key with its headings, in the default order.
pub const SECTIONS: [(&str, &str, &str); 13] = [
    ("tickets", "工单统计", "Tickets"),
    ("categories", "分类统计", "By category"),
    ("alarms", "告警", "Alarms"),
    ("clocks", "时限达成", "Deadlines met"),
    ("breaches", "超时明细", "Breached deadlines"),
    ("incidents", "故障登记", "Incident register"),
    ("inspections", "巡检", "Inspections"),
    ("inspection_records", "巡检记录", "Inspection records"),
    ("duties", "定期任务", "Scheduled duties"),
    ("major_events", "重保", "Major-event protection (重保)"),
    ("satisfaction", "满意度", "Satisfaction"),
    ("rectifications", "整改", "Rectification orders"),
    ("problems", "问题单", "Problem records"),
];

/// One section: a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Section {
    /// Its key ([`SECTIONS`]).
    pub key: String,
    /// Its heading in Chinese.
    pub title: String,
    /// Its heading in English.
    pub title_en: String,
    /// The column headings, each `[中文, English]`.
    pub columns: Vec<[String; 2]>,
    /// The rows, cell by cell, as text.
    pub rows: Vec<Vec<String>>,
    /// A line under the table (a total, or why it is empty), Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn section(key: &str, columns: &[(&str, &str)], rows: Vec<Vec<String>>, note: Option<String>) -> Section {
    let (_, zh, en) = SECTIONS
        .iter()
        .find(|(k, _, _)| *k == key)
        .copied()
        .unwrap_or((key, key, key));
    Section {
        key: key.to_owned(),
        title: zh.to_owned(),
        title_en: en.to_owned(),
        columns: columns
            .iter()
            .map(|(z, e)| [(*z).to_owned(), (*e).to_owned()])
            .collect(),
        rows,
        note,
    }
}

/// Beijing wall time, as the documents show it.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "—".to_owned(), local)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |p| format!("{p:.2}%"))
}

fn severity_zh(s: &str) -> String {
    s.parse::<sla_clock::Severity>()
        .map_or_else(|_| s.to_owned(), |v| v.label_zh().to_owned())
}

/// The sections of a report over `period` for `stored`'s systems (or `only`, a subset by id),
/// as the record reads at `as_of`, restricted to `keys` (empty: all).
pub async fn build(
    db: &impl ConnectionTrait,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    stored: &Stored,
    only: Option<Vec<i64>>,
    period: Period,
    as_of: DateTime<Utc>,
    keys: &[String],
) -> AppResult<Vec<Section>> {
    let system_ids = only.unwrap_or_else(|| stored.system_ids.clone());
    let (from, to) = (period.from, period.to);
    let scope = Scope {
        from,
        to,
        as_of,
        systems: Some(system_ids.clone()),
        vendors: Some(stored.vendor_ids()),
        contract: Some(stored.contract.code.clone()),
        ..Scope::default()
    };
    let r = reports::breaches_in(db, calendars, period, Filters::default(), scope, false).await?;
    let wanted = |k: &str| keys.is_empty() || keys.iter().any(|x| x == k);
    let mut out = Vec::new();
    let order: Vec<&str> = if keys.is_empty() {
        SECTIONS.iter().map(|(k, _, _)| *k).collect()
    } else {
        keys.iter().map(String::as_str).collect()
    };
    for key in order {
        if !wanted(key) {
            continue;
        }
        out.push(match key {
            "tickets" => tickets(&r),
            "categories" => categories(&r),
            "alarms" => alarms(db, &system_ids, &stored.vendor_ids(), from, to).await?,
            "clocks" => clocks(&r),
            "breaches" => breaches(&r),
            "incidents" => incidents(&r),
            "inspections" => inspections(&r),
            "inspection_records" => inspection_records(db, &system_ids, from, to).await?,
            "duties" => duties(db, &system_ids, from, to).await?,
            "major_events" => major_events(db, &system_ids, from, to).await?,
            "satisfaction" => satisfaction(&r),
            "rectifications" => rectifications(db, &system_ids, &stored.vendor_ids(), from, to).await?,
            "problems" => problem_records(db, &system_ids, from, to).await?,
            _ => continue,
        });
    }
    Ok(out)
}

fn tickets(r: &reports::Report) -> Section {
    let t = &r.tickets;
    let mut rows: Vec<Vec<String>> = t
        .by_severity
        .iter()
        .map(|s| vec![severity_zh(&s.severity), s.received.to_string(), s.breached.to_string()])
        .collect();
    rows.push(vec!["合计".to_owned(), t.received.to_string(), t.breached.to_string()]);
    section(
        "tickets",
        &[("级别", "Severity"), ("受理", "Received"), ("超时", "Breached")],
        rows,
        Some(format!(
            "本期受理 {} 件，已解决 {} 件，撤销 {} 件，期末未结 {} 件。",
            t.received, t.resolved, t.cancelled, t.open
        )),
    )
}

fn categories(r: &reports::Report) -> Section {
    let rows = r
        .categories
        .iter()
        .map(|c| {
            vec![
                crate::app::vocab::labels::kind(&c.kind, Lang::Zh),
                c.name
                    .clone()
                    .or_else(|| c.category.clone())
                    .unwrap_or_else(|| "未分类".to_owned()),
                c.received.to_string(),
                c.resolved.to_string(),
                c.open.to_string(),
                c.breached.to_string(),
            ]
        })
        .collect();
    section(
        "categories",
        &[
            ("类型", "Kind"),
            ("分类", "Category"),
            ("受理", "Received"),
            ("已解决", "Resolved"),
            ("未结", "Open"),
            ("超时", "Breached"),
        ],
        rows,
        None,
    )
}

async fn alarms(
    db: &impl ConnectionTrait,
    systems: &[i64],
    vendors: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Section> {
    let rows = super::queries::alarms_by_severity(db, systems, vendors, from, to).await?;
    let total: i64 = rows.iter().map(|(_, n)| n).sum();
    Ok(section(
        "alarms",
        &[("级别", "Severity"), ("告警工单", "Alarm tickets")],
        rows.into_iter()
            .map(|(s, n)| vec![severity_zh(&s), n.to_string()])
            .collect(),
        Some(format!("本期告警工单 {total} 件。")),
    ))
}

fn clocks(r: &reports::Report) -> Section {
    let rows = r
        .clocks
        .iter()
        .map(|c| {
            vec![
                crate::app::vocab::labels::clock(&c.clock, Lang::Zh),
                c.total.to_string(),
                c.met.to_string(),
                c.breached.to_string(),
                c.pending.to_string(),
                pct(c.compliance_pct),
            ]
        })
        .collect();
    section(
        "clocks",
        &[
            ("时限", "Clock"),
            ("计时", "Clocks"),
            ("达成", "Met"),
            ("超时", "Breached"),
            ("进行中", "Running"),
            ("达成率", "Compliance"),
        ],
        rows,
        None,
    )
}

fn breaches(r: &reports::Report) -> Section {
    let rows = r
        .breached
        .iter()
        .map(|b| {
            vec![
                b.ticket.clone(),
                format!("{} {}", b.system, b.system_name),
                severity_zh(&b.severity),
                crate::app::vocab::labels::clock(&b.clock, Lang::Zh),
                opt_time(b.deadline),
                format!("{:.0}", b.overdue_wall_min),
            ]
        })
        .collect();
    section(
        "breaches",
        &[
            ("工单", "Ticket"),
            ("系统", "System"),
            ("级别", "Severity"),
            ("时限", "Clock"),
            ("期限", "Deadline"),
            ("超时（分钟）", "Overdue (min)"),
        ],
        rows,
        None,
    )
}

fn incidents(r: &reports::Report) -> Section {
    let rows = r
        .incidents
        .iter()
        .map(|i| {
            vec![
                i.ticket.clone(),
                format!("{} {}", i.system, i.system_name),
                severity_zh(&i.severity),
                i.title.clone(),
                i.root_cause.clone().unwrap_or_else(|| "—".to_owned()),
                i.fix.clone().unwrap_or_else(|| "—".to_owned()),
                format!("{} – {}", opt_time(i.impact_from), opt_time(i.impact_to)),
                format!("{:.0}", i.duration_min),
            ]
        })
        .collect();
    section(
        "incidents",
        &[
            ("工单", "Ticket"),
            ("系统", "System"),
            ("级别", "Severity"),
            ("标题", "Title"),
            ("原因", "Root cause"),
            ("处置", "Fix"),
            ("影响时段", "Impact"),
            ("时长（分钟）", "Duration (min)"),
        ],
        rows,
        None,
    )
}

fn inspections(r: &reports::Report) -> Section {
    let rows = r
        .inspections
        .per_system
        .iter()
        .map(|s| {
            vec![
                format!("{} {}", s.system, s.system_name),
                s.owed.to_string(),
                s.done.to_string(),
                s.missed.to_string(),
            ]
        })
        .collect();
    section(
        "inspections",
        &[
            ("系统", "System"),
            ("应巡检", "Owed"),
            ("已完成", "Done"),
            ("漏检", "Missed"),
        ],
        rows,
        None,
    )
}

async fn inspection_records(
    db: &impl ConnectionTrait,
    systems: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Section> {
    let rows = super::queries::inspections_done(db, systems, from, to)
        .await?
        .into_iter()
        .map(|i| {
            vec![
                i.system,
                format!(
                    "{}{}",
                    crate::app::inspections::every_zh(&i.every),
                    crate::app::inspections::mode_zh(&i.mode)
                ),
                local(i.done_at),
                i.done_by,
                format!("{}/{}", i.ok, i.items),
                if i.faults.is_empty() {
                    "—".to_owned()
                } else {
                    i.faults.join("；")
                },
            ]
        })
        .collect();
    Ok(section(
        "inspection_records",
        &[
            ("系统", "System"),
            ("频次", "Cadence"),
            ("完成时间", "Done"),
            ("巡检人", "By"),
            ("正常项", "Items in order"),
            ("异常", "Faults found"),
        ],
        rows,
        None,
    ))
}

async fn duties(
    db: &impl ConnectionTrait,
    systems: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Section> {
    let rows = super::queries::duty_runs(db, systems, from, to)
        .await?
        .into_iter()
        .map(|d| {
            vec![
                d.name,
                d.system,
                d.runs.to_string(),
                d.done.to_string(),
                d.open.to_string(),
            ]
        })
        .collect();
    Ok(section(
        "duties",
        &[
            ("任务", "Duty"),
            ("系统", "System"),
            ("执行次数", "Runs"),
            ("已完成", "Done"),
            ("未完成", "Open"),
        ],
        rows,
        None,
    ))
}

async fn major_events(
    db: &impl ConnectionTrait,
    systems_in: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Section> {
    let windows = crate::app::duty::windows::overlapping(db, from, to).await?;
    let systems = systems::Entity::find()
        .filter(systems::Column::Id.is_in(systems_in.to_vec()))
        .all(db)
        .await?;
    let units = super::queries::unit_codes(db).await?;
    let rows: Vec<Vec<String>> = windows
        .iter()
        .filter(|w| {
            systems
                .iter()
                .any(|s| w.covers(s, units.get(&s.unit_id).map_or("", String::as_str)))
        })
        .map(|w| {
            vec![
                w.row.code.clone(),
                w.row.name.clone(),
                local(w.row.starts_at),
                local(w.row.ends_at),
            ]
        })
        .collect();
    let count = rows.len();
    Ok(section(
        "major_events",
        &[("编号", "Code"), ("名称", "Name"), ("开始", "Starts"), ("结束", "Ends")],
        rows,
        Some(format!("本期重保 {count} 次。")),
    ))
}

fn satisfaction(r: &reports::Report) -> Section {
    let s = &r.satisfaction;
    section(
        "satisfaction",
        &[
            ("评价数", "Rated"),
            ("满意", "Satisfied"),
            ("满意率", "Satisfied share"),
            ("平均分", "Mean"),
        ],
        vec![vec![
            s.rated.to_string(),
            s.satisfied.to_string(),
            pct(s.rate_pct),
            s.mean.map_or_else(|| "—".to_owned(), |m| format!("{m:.2}")),
        ]],
        None,
    )
}

async fn rectifications(
    db: &impl ConnectionTrait,
    systems: &[i64],
    vendors: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Section> {
    // The orders issued to the contract's vendors only: another vendor's on a shared system are
    // not this vendor's to read.
    let orders = rectification_orders::Entity::find()
        .filter(rectification_orders::Column::SystemId.is_in(systems.to_vec()))
        .filter(rectification_orders::Column::VendorId.is_in(vendors.to_vec()))
        .filter(rectification_orders::Column::IssuedAt.lt(to))
        .order_by_asc(rectification_orders::Column::Id)
        .all(db)
        .await?;
    let rows = orders
        .into_iter()
        .filter(|o| o.closed_at.is_none_or(|c| c >= from))
        .map(|o| {
            vec![
                format!("ZG-{}", o.id),
                o.title,
                crate::app::rectification::label(&crate::app::rectification::STATES, &o.state),
                opt_time(o.deadline),
                if o.breached { "是" } else { "否" }.to_owned(),
            ]
        })
        .collect();
    Ok(section(
        "rectifications",
        &[
            ("编号", "Order"),
            ("事项", "Title"),
            ("状态", "State"),
            ("期限", "Deadline"),
            ("超期", "Overdue"),
        ],
        rows,
        None,
    ))
}

async fn problem_records(
    db: &impl ConnectionTrait,
    systems: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Section> {
    let list = problems::Entity::find()
        .filter(problems::Column::SystemId.is_in(systems.to_vec()))
        .filter(problems::Column::OpenedAt.lt(to))
        .order_by_asc(problems::Column::Id)
        .all(db)
        .await?;
    let rows = list
        .into_iter()
        .filter(|p| p.closed_at.is_none_or(|c| c >= from))
        .map(|p| {
            vec![
                p.number,
                p.title,
                if p.state == "closed" { "已关闭" } else { "处理中" }.to_owned(),
                local(p.opened_at),
                if p.analysis.is_some() { "已填写" } else { "未填写" }.to_owned(),
            ]
        })
        .collect();
    Ok(section(
        "problems",
        &[
            ("编号", "Number"),
            ("标题", "Title"),
            ("状态", "State"),
            ("发现", "Opened"),
            ("原因分析", "Analysis"),
        ],
        rows,
        None,
    ))
}
