//! The report's sections as tables of cells: one [`Section`] per part of the report, with its
//! Chinese title and headers and a row per item, in the order of [`super::SECTIONS`]. Every format
//! (CSV, XLSX, HTML) writes these.

use contract_terms::Status;

use super::{Cell, PROVISIONAL_MARK, Section};
use crate::app::reports::Report;
use crate::app::vocab::Lang;
use crate::app::vocab::duration::sla_text;

/// Chinese names of the clocks, kinds, severities and states.
pub(crate) fn zh(key: &str) -> String {
    match key {
        "response" => "响应",
        "arrival" => "到场",
        "repair" => "修复",
        "fault" => "故障",
        "request" => "服务请求",
        "security" => "安全事件",
        "alarm" => "监控告警",
        "urgent" => "紧急",
        "serious" => "严重",
        "general" => "一般",
        "minor" => "轻微",
        "running" => "计时中",
        "paused" => "挂起",
        "met" => "达标",
        "breached-running" => "超时未完成",
        "breached-met" => "超时完成",
        "cancelled" => "已作废",
        "earlier_time" => "申报时间早于记录",
        "buyer_pause" => "待甲方确认的暂停",
        "regrade" => "改级申请",
        "cancel" => "作废申请",
        "system" => "改系统申请",
        "regraded" => "改级",
        "system_changed" => "改系统",
        "corrected" => "更正标题/描述",
        "impact_graded" => "影响定级",
        "categorised" => "分类",
        "buyer" => "甲方",
        "vendor" => "乙方",
        "supervisor" => "监理",
        "pending" => "待决定",
        "approved" => "已同意",
        "rejected" => "已驳回",
        "done" => "已生效",
        "contested" => "对作废的异议",
        "disputed" => "有争议（待考核认定）",
        other => other,
    }
    .to_owned()
}

/// A vendor by its name, as the report's scorecard (which lists every vendor of the report)
/// gives it; its code when the scorecard does not.
fn vendor_name(r: &Report, code: &str) -> String {
    r.vendors
        .iter()
        .find(|v| v.vendor.as_deref() == Some(code))
        .and_then(|v| v.name.clone())
        .unwrap_or_else(|| code.to_owned())
}

fn status_zh(s: Status) -> &'static str {
    match s {
        Status::Fired => "已触发",
        Status::Exposure => "待认定（待备忘录或认定）",
        Status::NotFired => "未触发",
        Status::NotMeasured => "未计量（需人工认定）",
    }
}

/// The report's sections.
pub fn sections(r: &Report) -> Vec<Section> {
    use Cell::{Empty, Int, Num, Pct, Text, When, Yuan};
    let t = |s: &str| Text(s.to_owned());
    let mut summary = vec![
        vec![t("统计期间"), t(&r.period.label)],
        vec![t("统计截至"), When(r.as_of)],
        vec![t("受理工单"), Int(r.tickets.received)],
        vec![t("已解决"), Int(r.tickets.resolved)],
        vec![t("已取消"), Int(r.tickets.cancelled)],
        vec![t("未结"), Int(r.tickets.open)],
        vec![t("超时工单"), Int(r.tickets.breached)],
    ];
    let f = &r.filters;
    for (name, v) in [
        ("筛选：用户单位", &f.unit),
        ("筛选：服务商", &f.vendor),
        ("筛选：系统", &f.system),
        ("筛选：类型", &f.kind),
        ("筛选：级别", &f.severity),
    ] {
        if let Some(v) = v {
            summary.push(vec![t(name), Text(zh(v))]);
        }
    }
    let provisional: i64 = r.clocks.iter().map(|c| c.provisional).sum();
    if provisional > 0 {
        summary.push(vec![t("暂定时限（见说明）"), Int(provisional)]);
    }
    for s in &r.tickets.by_severity {
        summary.push(vec![
            Text(format!("{}：受理 / 超时", zh(&s.severity))),
            Text(format!("{} / {}", s.received, s.breached)),
        ]);
    }
    vec![
        Section {
            key: "summary",
            title: "概况",
            english: "Summary",
            headers: vec!["指标", "数值"],
            rows: summary,
        },
        Section {
            key: "clocks",
            title: "时限达标",
            english: "Compliance per clock",
            headers: vec![
                "时钟",
                "总数",
                "达标",
                "超时",
                "进行中",
                "已取消",
                "达标率",
                "暂定",
                "其中达标",
                "其中超时",
                "达标率(不含暂定)",
            ],
            rows: r
                .clocks
                .iter()
                .map(|c| {
                    vec![
                        Text(zh(&c.clock)),
                        Int(c.total),
                        Int(c.met),
                        Int(c.breached),
                        Int(c.pending),
                        Int(c.cancelled),
                        Cell::opt(c.compliance_pct, Pct),
                        Int(c.provisional),
                        Int(c.provisional_met),
                        Int(c.provisional_breached),
                        Cell::opt(c.final_pct(), Pct),
                    ]
                })
                .collect(),
        },
        Section {
            key: "latency",
            title: "时长统计",
            english: "MTTA / MTTR (minutes)",
            headers: vec![
                "指标",
                "时钟",
                "样本数",
                "工作时长均值(分钟)",
                "工作时长中位数(分钟)",
                "工作时长P90(分钟)",
                "自然时长均值(分钟)",
                "自然时长中位数(分钟)",
                "自然时长P90(分钟)",
            ],
            rows: r
                .latency
                .iter()
                .map(|l| {
                    vec![
                        Text(l.measure.clone()),
                        Text(zh(&l.clock)),
                        Int(l.count),
                        Cell::opt(l.working.mean_min, Num),
                        Cell::opt(l.working.median_min, Num),
                        Cell::opt(l.working.p90_min, Num),
                        Cell::opt(l.wall.mean_min, Num),
                        Cell::opt(l.wall.median_min, Num),
                        Cell::opt(l.wall.p90_min, Num),
                    ]
                })
                .collect(),
        },
        Section {
            key: "breached",
            title: "超时明细",
            english: "Breached clocks",
            headers: vec![
                "工单号",
                "标题",
                "类型",
                "级别",
                "系统编码",
                "系统名称",
                "用户单位",
                "服务商",
                "时钟",
                "时限",
                "开始时间",
                "截止时间",
                "实际完成",
                "状态",
                "超时(工作分钟)",
                "超时(自然分钟)",
                "暂停(工作分钟)",
                "暂定",
            ],
            rows: r
                .breached
                .iter()
                .map(|b| {
                    vec![
                        Text(b.ticket.clone()),
                        Text(b.title.clone()),
                        Text(zh(&b.kind)),
                        Text(zh(&b.severity)),
                        Text(b.system.clone()),
                        Text(b.system_name.clone()),
                        Text(b.unit.clone()),
                        Cell::opt(b.vendor.as_deref().map(|v| vendor_name(r, v)), Text),
                        Text(zh(&b.clock)),
                        Cell::opt(b.target.as_deref(), |d| Text(sla_text(d, Lang::Zh))),
                        Cell::opt(b.started_at, When),
                        Cell::opt(b.deadline, When),
                        Cell::opt(b.ended_at, When),
                        Text(zh(&b.state)),
                        Num(b.overdue_min),
                        Num(b.overdue_wall_min),
                        Num(b.paused_min),
                        if b.provisional { t(PROVISIONAL_MARK) } else { Empty },
                    ]
                })
                .collect(),
        },
        Section {
            key: "paused",
            title: "暂停明细",
            english: "Paused clocks",
            headers: vec![
                "工单号",
                "标题",
                "系统编码",
                "时钟",
                "状态",
                "暂停次数",
                "暂停原因",
                "暂停(工作分钟)",
            ],
            rows: r
                .paused
                .iter()
                .map(|p| {
                    vec![
                        Text(p.ticket.clone()),
                        Text(p.title.clone()),
                        Text(p.system.clone()),
                        Text(zh(&p.clock)),
                        Text(zh(&p.state)),
                        Int(p.pauses as i64),
                        Text(p.reasons.join("、")),
                        Num(p.paused_min),
                    ]
                })
                .collect(),
        },
        Section {
            key: "vendors",
            title: "服务商评分",
            english: "Vendor scorecard",
            headers: vec![
                "服务商编码",
                "服务商名称",
                "工单数",
                "超时工单",
                "响应达标率",
                "到场达标率",
                "修复达标率",
                "平均响应(工作分钟)",
                "平均修复(工作分钟)",
            ],
            rows: r
                .vendors
                .iter()
                .map(|v| {
                    vec![
                        Text(v.vendor.clone().unwrap_or_else(|| "（无）".into())),
                        Cell::opt(v.name.clone(), Text),
                        Int(v.tickets),
                        Int(v.breached_tickets),
                        Cell::opt(v.response.compliance_pct, Pct),
                        Cell::opt(v.arrival.compliance_pct, Pct),
                        Cell::opt(v.repair.compliance_pct, Pct),
                        Cell::opt(v.mtta_min, Num),
                        Cell::opt(v.mttr_min, Num),
                    ]
                })
                .collect(),
        },
        Section {
            key: "availability",
            title: "可用性",
            english: "Availability",
            headers: vec![
                "系统编码",
                "系统名称",
                "用户单位",
                "目标",
                "统计时长(分钟)",
                "中断(分钟)",
                "豁免(分钟)",
                "可用性",
                "是否达标",
                "中断次数",
                "相关工单",
            ],
            rows: r
                .availability
                .iter()
                .map(|a| {
                    let mut tickets: Vec<&str> = a
                        .outages
                        .iter()
                        .flat_map(|o| o.tickets.iter().map(String::as_str))
                        .collect();
                    tickets.dedup();
                    vec![
                        Text(a.system.clone()),
                        Text(a.name.clone()),
                        Text(a.unit.clone()),
                        Cell::opt(a.target_pct, Pct),
                        Num(a.period_min),
                        Num(a.outage_min),
                        Num(a.excluded_min),
                        Cell::opt(a.availability_pct, Pct),
                        Cell::opt(a.met, |m| t(if m { "达标" } else { "未达标" })),
                        Int(a.outages.len() as i64),
                        Text(tickets.join(" ")),
                    ]
                })
                .collect(),
        },
        Section {
            key: "deductions",
            title: "违约扣款",
            english: "Contract deductions",
            headers: vec![
                "合同",
                "服务商",
                "条款",
                "条款内容",
                "来源",
                "计法",
                "月份",
                "结果",
                "次数/天数",
                "依据",
                "认定",
                "金额(元)",
                "封顶",
                "待认定",
                "待认定金额(元)",
                "说明",
            ],
            rows: r
                .deductions
                .iter()
                .flat_map(|d| {
                    let a = &d.assessment;
                    // Names, not codes: the contract's and the vendor's (from the scorecard,
                    // which lists every vendor of the report; the code when it is not there).
                    let contract = d.name.clone();
                    let vendor = vendor_name(r, &d.vendor);
                    let mut rows: Vec<Vec<Cell>> = a
                        .outcomes
                        .iter()
                        .map(|o| {
                            vec![
                                Text(contract.clone()),
                                Text(vendor.clone()),
                                Text(o.rule.clone()),
                                Text(o.label.clone()),
                                Cell::opt(o.source.clone(), Text),
                                t(o.counts.label_zh()),
                                Text(o.months.join(" ")),
                                t(status_zh(o.status)),
                                Int(o.occurrences as i64),
                                Text(o.evidence_zh.join(" ")),
                                Text(o.findings.join(" ")),
                                Yuan(o.amount_fen),
                                t(if o.capped { "是" } else { "" }),
                                Cell::opt(o.needs, |k| t(k.label_zh())),
                                Cell::opt(o.pending.as_ref().map(|p| p.amount_fen), Yuan),
                                Text(o.notes_zh.join("；")),
                            ]
                        })
                        .collect();
                    for s in &d.service_reductions {
                        rows.push(vec![
                            Text(contract.clone()),
                            Text(vendor.clone()),
                            t("核减"),
                            Text(format!(
                                "{} 运维服务 {}～{} 外 {} 天",
                                s.system,
                                s.service_start.as_deref().unwrap_or(""),
                                s.service_end.as_deref().unwrap_or(""),
                                s.days_outside
                            )),
                            t("004 九-3"),
                            Empty,
                            Empty,
                            Empty,
                            Int(s.days_outside),
                            Text(s.system.clone()),
                            Empty,
                            Cell::opt(s.reduction_fen, Yuan),
                            Empty,
                            Empty,
                            Empty,
                            Text(s.note.clone()),
                        ]);
                    }
                    let mut totals = vec![("合计扣款", a.total_fen), ("待认定合计", a.exposure_fen)];
                    if !d.service_reductions.is_empty() {
                        totals.push(("核减合计", d.service_reduction_fen));
                    }
                    for (label, fen) in totals {
                        rows.push(vec![
                            Text(contract.clone()),
                            Text(vendor.clone()),
                            t(label),
                            Text(d.name.clone()),
                            Empty,
                            Empty,
                            Text(a.months.iter().map(|m| m.month.as_str()).collect::<Vec<_>>().join(" ")),
                            Empty,
                            Empty,
                            Empty,
                            Empty,
                            Yuan(fen),
                            t(if a.capped && label == "合计扣款" { "是" } else { "" }),
                            Empty,
                            Empty,
                            Text(a.notes_zh.join("；")),
                        ]);
                    }
                    rows
                })
                .collect(),
        },
        Section {
            key: "corrections",
            title: "更正与申请",
            english: "Corrections, claims and requests",
            headers: vec![
                "工单号",
                "工单受理时间",
                "系统编码",
                "类别",
                "内容",
                "提出方",
                "提出人",
                "记录时间",
                "申报时间",
                "状态",
                "决定方",
                "决定人",
                "决定时间",
                "说明",
            ],
            rows: r
                .corrections
                .iter()
                .map(|c| {
                    vec![
                        Text(c.ticket.clone()),
                        When(c.ticket_received_at),
                        Text(c.system.clone()),
                        Text(zh(&c.kind)),
                        Text(c.summary.clone()),
                        Text(if c.by == "system" { "系统".into() } else { zh(&c.by) }),
                        Cell::opt(c.actor.clone(), Text),
                        When(c.recorded_at),
                        Cell::opt(c.claimed_at, When),
                        Text(zh(&c.status)),
                        Cell::opt(c.decided_by.as_deref().map(zh), Text),
                        Cell::opt(c.decider.clone(), Text),
                        Cell::opt(c.decided_at, When),
                        Cell::opt(c.note.clone(), Text),
                    ]
                })
                .collect(),
        },
    ]
}
