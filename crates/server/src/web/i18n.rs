//! The pages' words in Chinese (the default) and English. A reader switches with `/lang?to=en`,
//! kept in a cookie; templates read `tr.key`.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Name of the language cookie.
pub const LANG_COOKIE: &str = "opsclock_lang";

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The reader's language: the cookie's, else Chinese.
    pub fn of(headers: &HeaderMap) -> Lang {
        match crate::http::extract::cookie(headers, LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// `zh` or `en`.
    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The same language in the product's vocabulary (durations, names).
    pub fn vocab(self) -> crate::app::vocab::Lang {
        crate::app::vocab::Lang::from_key(self.key())
    }
}

/// `(key, 中文, English)`.
const WORDS: &[(&str, &str, &str)] = &[
    ("nav_board", "值班台", "Board"),
    ("nav_new", "报障", "Log a fault"),
    ("nav_dashboard", "仪表盘", "Dashboard"),
    ("nav_catalog", "系统目录", "Catalogue"),
    ("nav_problems", "问题单", "Problems"),
    ("nav_assessments", "考核", "Assessments"),
    ("nav_admin", "管理", "Admin"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "退出", "Sign out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("set_password", "设置密码", "Set your password"),
    (
        "set_password_why",
        "您使用一次性密码登录，请先设置自己的密码（至少 10 个字符）。",
        "You signed in with a one-time password; set your own first (at least 10 characters).",
    ),
    ("password_current", "当前密码", "Current password"),
    ("password_new", "新密码", "New password"),
    ("save", "保存", "Save"),
    ("error_title", "出错了", "Something went wrong"),
    ("error_home", "返回值班台", "Back to the board"),
    ("error_back", "返回上一页", "Go back"),
    ("board_mine", "我的工单", "My tickets"),
    ("board_queue", "值班队列", "On-duty queue"),
    ("board_empty", "暂无。", "Nothing here."),
    (
        "board_truncated",
        "只显示最紧迫的 200 张工单。",
        "Showing the 200 most urgent tickets.",
    ),
    ("ticket", "工单", "Ticket"),
    ("system", "系统", "System"),
    ("severity", "等级", "Severity"),
    ("status", "状态", "Status"),
    ("clocks", "时限", "Clocks"),
    ("clock", "时限", "Clock"),
    ("open", "打开", "Open"),
    ("unassigned", "未分派", "Unassigned"),
    ("left", "剩余", "left"),
    ("late", "超时", "late"),
    ("deadline", "截止", "Deadline"),
    ("provisional", "暂定", "provisional"),
    ("published_to", "节假日安排已发布至", "Holidays published to"),
    (
        "counts_provisionally_to",
        "此后按每周安排暂算至",
        "then counted provisionally to",
    ),
    (
        "no_holidays_to_publish",
        "此日历没有需要发布的节假日，任何年份都按每周安排精确计算",
        "This calendar has no holidays to publish: every year is counted exactly by its week",
    ),
    ("reload_calendars", "重新加载日历", "Reload calendars"),
    (
        "reload_calendars_hint",
        "读取日历文件的最新内容，并重新计算受影响的暂定截止时间；其他副本一分钟内跟进",
        "Reads the calendar files again and measures the provisional deadlines they change; other replicas follow within a minute",
    ),
    (
        "import_notice",
        "导入国务院节假日安排通知",
        "Import the State Council's holiday notice",
    ),
    (
        "import_notice_hint",
        "粘贴通知原文（“一、元旦：1月1日（周五）放假…”），先预览对 cn-5x8 和 cn-7x24 的改动，确认后写入并重新计算",
        "Paste the notice as published; preview the change to cn-5x8 and cn-7x24, then write it and measure again",
    ),
    ("import_notice_changes", "将要写入的改动", "What will be written"),
    ("import_notice_preview", "预览", "Preview"),
    ("import_notice_apply", "写入并重新计算", "Write and measure again"),
    ("notice_text", "通知原文", "Notice text"),
    ("year", "年份", "Year"),
    ("cancel", "取消", "Cancel"),
    (
        "provisional_hint",
        "下一年的节假日安排尚未发布，此截止时间按每周工作安排暂算；导入国务院通知后会重新计算",
        "Next year's holidays are not published yet: this deadline is counted with the weekly schedule alone and will be measured again when the State Council's notice is imported",
    ),
    ("paused_for", "已暂停", "paused for"),
    ("targets_history", "时限变更", "targets"),
    ("kind", "类型", "Kind"),
    ("assignee", "处理人", "Assignee"),
    ("occurred_at", "发生时间", "Occurred"),
    ("received_at", "受理时间", "Received"),
    ("major_event", "重保期", "Major-event window"),
    ("duty", "计划任务", "Scheduled duty"),
    ("no_clocks", "此工单没有时限。", "This ticket has no clocks."),
    ("actions", "操作", "Actions"),
    ("reason", "原因", "Reason"),
    ("note", "备注", "Note"),
    ("root_cause", "根本原因", "Root cause"),
    ("fix", "处理措施", "What was done"),
    ("follow_up", "后续措施（可选）", "Follow-up (optional)"),
    ("incident_report", "故障处理情况报告", "Incident report"),
    ("satisfaction", "满意度", "Satisfaction"),
    ("comment_text", "内容", "Text"),
    ("timeline", "处理记录", "Timeline"),
    ("what_happened", "发生了什么", "What happened"),
    ("title_field", "标题", "Title"),
    ("description", "详细描述", "Details"),
    (
        "system_search",
        "按名称、单位或编号搜索",
        "Search by name, unit or code",
    ),
    ("systems_in_scope", "个系统", "systems"),
    ("questions", "分级问题", "Classifier's questions"),
    ("q_core", "核心功能是否可用？", "Is the core function working?"),
    ("core_down", "不可用", "Down"),
    ("core_degraded", "部分受损", "Degraded"),
    ("core_fine", "正常", "Working"),
    ("q_users", "影响多少用户？", "How many users are affected?"),
    ("users_many", "大量", "Many"),
    ("users_some", "部分", "Some"),
    ("users_none", "无", "None"),
    ("q_workaround", "有临时替代办法", "A workaround exists"),
    ("q_security", "安全事件", "It is a security incident"),
    ("preview", "预计", "Preview"),
    (
        "preview_hint",
        "选择系统后，这里显示建议等级和各项截止时间。",
        "Choose a system to see the proposed severity and every deadline here.",
    ),
    (
        "preview_stale",
        "无法预览，请刷新页面（可能已退出登录）。",
        "No preview: reload the page (signed out?).",
    ),
    ("proposed", "分级建议", "The classifier proposes"),
    (
        "overridden",
        "已人工调整等级（需填写理由）。",
        "Severity overridden (a reason is required).",
    ),
    ("target", "目标", "Target"),
    ("how_counted", "计算方式", "How it is counted"),
    (
        "repair_on_arrival",
        "到达现场后开始计时",
        "starts when an engineer arrives",
    ),
    (
        "unapplied",
        "以下时限在日历中无法计算，提交后这些时钟不会启动（原因会记入工单时间线）：",
        "These targets cannot be counted in the calendar; their clocks will not start (the ticket's timeline will say why):",
    ),
    ("calendar", "日历", "Calendar"),
    ("goes_to", "分派给", "goes to"),
    ("override", "调整等级（可选）", "Override (optional)"),
    ("as_proposed", "按建议", "As proposed"),
    ("override_reason", "调整理由", "Reason for the override"),
    ("submit_ticket", "提交工单", "Open the ticket"),
    ("period", "期间", "Period"),
    ("show", "查看", "Show"),
    ("printable", "可打印报告", "Printable report"),
    ("received", "受理", "Received"),
    ("breached_tickets", "超时工单", "Breached tickets"),
    ("open_tickets", "未结", "Open"),
    ("compliance", "达标率", "compliance"),
    ("trend", "按月超时趋势", "Breaches by month"),
    ("by_vendor", "各服务商达标率", "Compliance by vendor"),
    ("satisfaction_rate", "满意度", "Satisfaction"),
    ("satisfaction_rated", "评价数", "rated"),
    ("by_unit", "各单位达标率", "Compliance by unit"),
    ("availability", "系统可用率（对照目标）", "Availability against target"),
    ("deductions", "合同扣款", "Contract deductions"),
    ("contract", "合同", "Contract"),
    ("deducted", "扣款", "Deducted"),
    ("exposure", "待认定", "Exposure"),
    ("rules_fired", "触发条款", "Rules"),
    ("service_reduction", "核减", "Fee reduction"),
    ("days_not_served", "天未在运维服务期内", "days outside service"),
    ("late_clocks", "超时明细", "Late clocks"),
    ("late_by", "超时（工作时间）", "Late by (working time)"),
    ("code", "编号", "Code"),
    ("unit", "单位", "Unit"),
    ("vendors", "服务商", "Vendors"),
    ("policy", "服务等级", "Policy"),
    ("service_mode", "服务方式", "Service mode"),
    ("search", "搜索", "Search"),
    ("availability_target", "可用率目标", "Availability target"),
    ("targets", "时限要求", "Targets"),
    ("from_arrival", "自到场起", "from arrival"),
    (
        "from_visit_request",
        "自用户要求现场服务起",
        "from the request for a visit",
    ),
    (
        "arrival_on_request",
        "用户要求现场服务后开始计时",
        "starts when the buyer asks for a visit",
    ),
    ("clock_start", "计时起点", "Clocks start"),
    ("clock_start_reported", "接到报告时", "when the report is received"),
    (
        "clock_start_occurred",
        "故障发生时（服务请求为接到时）",
        "when the problem began (requests: when received)",
    ),
    ("admin_users", "用户与令牌", "Users and tokens"),
    ("admin_calendars", "日历", "Calendars"),
    ("admin_ladders", "升级阶梯", "Ladders"),
    ("admin_windows", "重保期", "Windows"),
    ("admin_outbox", "邮件发件箱", "Mail outbox"),
    ("coverage_banner", "节假日安排待更新：", "Holidays to publish:"),
    ("coverage_open", "查看日历", "See the calendar"),
    ("token_created", "已创建令牌", "Token created"),
    (
        "token_once",
        "只显示这一次，请立即复制保存。",
        "Shown once: copy it now.",
    ),
    ("name", "名称", "Name"),
    ("role", "角色", "Role"),
    ("belongs_to", "所属", "Belongs to"),
    ("email", "邮箱", "Email"),
    ("state", "状态", "State"),
    ("disabled", "已停用", "disabled"),
    ("one_time_password", "待改密", "one-time password"),
    ("active", "正常", "active"),
    (
        "users_cli",
        "也可在服务器上用命令行添加：",
        "Or at the server's command line:",
    ),
    ("tokens", "API 令牌", "API tokens"),
    ("created", "创建", "Created"),
    ("last_used", "最近使用", "Last used"),
    ("revoke", "吊销", "Revoke"),
    ("create_token", "创建令牌", "Create a token"),
    ("month", "月份", "Month"),
    ("step", "步骤", "Step"),
    ("when", "触发", "When"),
    ("notify", "通知", "Notify"),
    ("channels", "渠道", "Channels"),
    ("ladders_cli", "修改阶梯：", "Change a ladder with"),
    ("starts", "开始", "Starts"),
    ("ends", "结束", "Ends"),
    ("scope", "范围", "Scope"),
    ("none_yet", "暂无。", "None yet."),
    (
        "windows_cli",
        "按节假日生成重保期：",
        "Plan windows from the holidays with",
    ),
    ("due", "应发", "Due"),
    ("subject", "主题", "Subject"),
    ("recipients", "收件人", "Recipients"),
    ("attempts", "尝试", "Attempts"),
    ("retry", "重发", "Retry"),
    ("day_regular", "工作日", "working day"),
    ("day_rest", "休息日", "rest day"),
    ("day_holiday", "法定节假日", "holiday"),
    ("day_makeup", "调休上班", "make-up working day"),
    ("mail_pending", "待发", "pending"),
    ("mail_sending", "发送中", "sending"),
    ("mail_sent", "已发", "sent"),
    ("mail_failed", "失败", "failed"),
    ("lat_response", "平均响应", "MTTA"),
    ("lat_arrival", "平均到场", "Mean time to arrive"),
    ("lat_repair", "平均修复", "MTTR"),
    ("sev_urgent", "紧急", "Urgent"),
    ("sev_serious", "严重", "Serious"),
    ("sev_general", "一般", "General"),
    ("sev_minor", "轻微", "Minor"),
    ("status_new", "新建", "New"),
    ("status_acknowledged", "已响应", "Acknowledged"),
    ("status_on_site", "已到场", "On site"),
    ("status_in_progress", "处理中", "In progress"),
    ("status_paused", "挂起", "Paused"),
    ("status_resolved", "已解决", "Resolved"),
    ("status_closed", "已关闭", "Closed"),
    ("status_cancelled", "已作废", "Voided"),
    ("clock_state_running", "计时中", "running"),
    ("clock_state_paused", "已暂停", "paused"),
    ("clock_state_met", "已达标", "met"),
    ("clock_state_breached-running", "已超时", "breached"),
    ("clock_state_breached-met", "超时完成", "met late"),
    ("clock_state_cancelled", "已取消", "cancelled"),
    ("act_acknowledge", "响应", "Acknowledge"),
    ("act_arrive", "到场", "Arrived"),
    ("act_request_visit", "要求现场服务", "Request a visit"),
    ("act_start", "开始处理", "Start"),
    ("act_pause", "挂起", "Pause"),
    ("act_resume", "恢复", "Resume"),
    ("act_regrade", "调整等级", "Re-grade"),
    ("act_resolve", "解决", "Resolve"),
    ("act_close", "关闭", "Close"),
    ("act_reopen", "重新打开", "Reopen"),
    ("act_cancel", "作废工单", "Void ticket"),
    ("act_assign", "分派", "Assign"),
    ("act_comment", "备注", "Comment"),
    ("act_grade_impact", "事后定级", "Grade the impact"),
    ("act_categorise", "分类", "Categorise"),
    ("act_correct", "更正", "Correct"),
    ("act_contest", "对作废提出异议", "Contest the cancellation"),
    ("act_approve", "同意", "Approve"),
    ("act_reject", "驳回", "Reject"),
    ("pause_awaiting_reporter", "等待报告人", "Awaiting the reporter"),
    ("pause_third_party", "等待第三方", "Awaiting a third party"),
    ("pause_buyer_window", "等待用户窗口", "Awaiting the buyer's window"),
    ("cancel_duplicate", "重复", "Duplicate"),
    ("cancel_withdrawn", "撤回", "Withdrawn"),
    ("ev_opened", "创建", "Opened"),
    ("ev_acknowledged", "响应", "Acknowledged"),
    ("ev_arrived", "到场", "Arrived"),
    ("ev_visit_requested", "要求现场服务", "Visit requested"),
    ("ev_started", "开始处理", "Started"),
    ("ev_paused", "挂起", "Paused"),
    ("ev_resumed", "恢复", "Resumed"),
    ("ev_regraded", "调整等级", "Re-graded"),
    ("ev_resolved", "解决", "Resolved"),
    ("ev_closed", "关闭", "Closed"),
    ("ev_reopened", "重新打开", "Reopened"),
    ("ev_cancelled", "作废", "Voided"),
    ("ev_assigned", "分派", "Assigned"),
    ("ev_commented", "备注", "Comment"),
    ("ev_email", "升级邮件", "Escalation email"),
    ("ev_sms", "短信", "SMS"),
    ("ev_claimed", "申报", "Claim"),
    ("ev_requested", "申请", "Request"),
    ("ev_decided", "决定", "Decision"),
    ("ev_impact_graded", "事后定级", "Impact graded"),
    ("ev_categorised", "分类", "Categorised"),
    ("ev_corrected", "更正", "Corrected"),
    ("ev_contested", "对作废提出异议", "Cancellation contested"),
    ("ev_system_changed", "更正系统", "System corrected"),
    ("more_actions", "更多操作", "More actions"),
    ("impact_grade", "事后定级：", "Impact grade: "),
    ("impact_grade_field", "事后定级", "Impact grade"),
    (
        "impact_hint",
        "事后综合事件损失和影响面重新定级，与决定时限的等级分开记录，不改变时限。",
        "The grade after the event, by its loss and reach; kept apart from the severity that sets the deadlines, which it does not change.",
    ),
    (
        "impact_form_hint",
        "事后需要综合事件损失和影响面，对事件重新定级，重新报备。此定级不改变时限和 SLA 统计。",
        "After the event, grade it again by its loss and reach, and report it again. This grade changes no deadline and no SLA figure.",
    ),
    ("reason_required", "理由（必填）", "Reason (required)"),
    (
        "correct_hint",
        "更正标题或描述；原内容保留在处理记录中。",
        "Correct the title or the details; the old text stays in the timeline.",
    ),
    (
        "contest_hint",
        "工单仍为已作废，异议记入处理记录并列入报告，由考核裁定。",
        "The ticket stays voided; the dispute goes on its timeline and into the report, for the assessment to settle.",
    ),
    ("claims", "待确认事项", "Claims and requests"),
    (
        "claims_hint",
        "一方不能单独改写已记录的证据：早于记录的申报时间、超时后的降级或作废、等待甲方的挂起，须由另一方（或监理）同意后才计入。",
        "Neither party rewrites the record alone: an earlier time than recorded, a downgrade or voiding after a breach, and a pause awaiting the buyer count only once the other party (or the supervisor) approves.",
    ),
    ("pending_badge", "有待确认事项", "Awaiting a decision"),
    ("claim_what", "事项", "What"),
    ("claim_by", "提出", "Made by"),
    ("claim_times", "时间", "When"),
    ("claim_decision", "决定", "Decision"),
    ("claimed_time", "申报", "claimed"),
    ("recorded_time", "记录", "recorded"),
    ("claim_pending", "待决定", "Pending"),
    ("claim_approved", "已同意", "Approved"),
    ("claim_rejected", "已驳回", "Rejected"),
    ("claim_kind_earlier_time", "申报更早时间", "Earlier time claimed"),
    (
        "claim_kind_buyer_pause",
        "挂起待甲方确认",
        "Pause for the buyer to confirm",
    ),
    ("claim_kind_regrade", "改级申请", "Re-grade request"),
    ("claim_kind_cancel", "作废申请", "Request to void"),
    ("claim_kind_system", "更正系统申请", "Request to move to another system"),
    ("party_buyer", "甲方", "Buyer"),
    ("party_vendor", "乙方", "Vendor"),
    ("party_supervisor", "监理", "Supervisor"),
    ("approve_note", "说明（可选）", "Note (optional)"),
    ("reject_note", "驳回理由（必填）", "Why (required)"),
    ("note_required", "说明（必填）", "Note (required)"),
    (
        "pause_needs_buyer",
        "需甲方确认后才计入挂起",
        "counts once the buyer confirms it",
    ),
    (
        "pause_hint",
        "「等待报告人」「等待用户窗口」需甲方确认后才计入挂起时间，确认前时限照常计时。",
        "“Awaiting the reporter” and “Awaiting the buyer's window” stop the clock only once the buyer confirms them; until then the clock runs.",
    ),
    (
        "cancel_hint",
        "作废后工单不计入任何 SLA 统计，并列入报告的更正清单。",
        "A voided ticket leaves every SLA figure and is listed among the report's corrections.",
    ),
    (
        "cancel_vendor_hint",
        "已超时的工单由乙方作废，须甲方同意后才生效。",
        "Voiding a breached ticket takes effect only once the buyer approves it.",
    ),
];

/// Every word: the pages' own, then the product's vocabulary (`app::vocab::labels`: steps,
/// roles, service modes, kinds, clocks), which mails and exports say too.
fn all_words() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    WORDS
        .iter()
        .chain(super::wording::WORDS)
        .chain(crate::app::vocab::labels::TABLE)
}

/// The words of `lang`, by key.
pub fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    all_words()
        .map(|(k, zh, en)| (*k, if lang == Lang::Zh { *zh } else { *en }))
        .collect()
}

/// The language switch's query.
#[derive(Debug, Deserialize)]
pub struct Switch {
    /// `zh` or `en`.
    to: String,
    /// The page to go back to.
    back: Option<String>,
}

/// `/lang?to=en&back=/board`: sets the language cookie and goes back.
pub async fn switch(Query(q): Query<Switch>) -> Response {
    let lang = if q.to == "en" { "en" } else { "zh" };
    let back = super::local_path(q.back.as_deref(), "/board");
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    super::set_cookie(
        &mut res,
        &format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `tr.key` a template uses exists, and every family of computed keys
    /// (`tr['sev_' ~ …]`) has a word for each value it can take.
    #[test]
    fn every_word_a_template_uses_exists() {
        let have = words(Lang::En);
        let keys: std::collections::BTreeSet<_> =
            super::super::templates::words_used(&[""], "tr").into_iter().collect();
        let missing: Vec<_> = keys.iter().filter(|(_, k)| !have.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "missing words: {missing:?}");
        let families: [(&str, &[&str]); 17] = [
            ("sev_", &["urgent", "serious", "general", "minor"]),
            (
                "status_",
                &[
                    "new",
                    "acknowledged",
                    "on_site",
                    "in_progress",
                    "paused",
                    "resolved",
                    "closed",
                    "cancelled",
                ],
            ),
            ("kind_", &["fault", "request", "security", "alarm"]),
            ("clock_", &["response", "arrival", "repair"]),
            (
                "clock_state_",
                &[
                    "running",
                    "paused",
                    "met",
                    "breached-running",
                    "breached-met",
                    "cancelled",
                ],
            ),
            ("act_", &crate::app::tickets::actions::ACTIONS),
            ("pause_", &["awaiting_reporter", "third_party", "buyer_window"]),
            ("cancel_", &["duplicate", "withdrawn"]),
            (
                "ev_",
                &[
                    "opened",
                    "acknowledged",
                    "arrived",
                    "visit_requested",
                    "started",
                    "paused",
                    "resumed",
                    "regraded",
                    "resolved",
                    "closed",
                    "reopened",
                    "cancelled",
                    "assigned",
                    "commented",
                    "email",
                    "claimed",
                    "requested",
                    "decided",
                    "impact_graded",
                    "categorised",
                    "corrected",
                    "contested",
                    "system_changed",
                ],
            ),
            ("claim_", &["pending", "approved", "rejected"]),
            (
                "claim_kind_",
                &["earlier_time", "buyer_pause", "regrade", "cancel", "system"],
            ),
            ("party_", &["buyer", "vendor", "supervisor"]),
            ("core_", &["down", "degraded", "fine"]),
            ("users_", &["many", "some", "none"]),
            ("day_", &["regular", "rest", "holiday", "makeup"]),
            ("mail_", &["pending", "sending", "sent", "failed"]),
            ("lat_", &["response", "arrival", "repair"]),
        ];
        for (prefix, values) in families {
            for v in values {
                assert!(
                    have.contains_key(format!("{prefix}{v}").as_str()),
                    "no word for {prefix}{v}"
                );
            }
        }
    }

    #[test]
    fn keys_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, _, _) in all_words() {
            assert!(seen.insert(k), "{k} twice");
        }
    }
}
