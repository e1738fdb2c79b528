//! Page words added for one Chinese vocabulary (issue 26): error pages, the preview's header,
//! the classifier's reason. Kept apart from `i18n::WORDS` (which `i18n::words` chains with this
//! table and with `app::vocab::labels::TABLE`) so that the list stays readable.

/// `(key, 中文, English)`.
pub(super) const WORDS: &[(&str, &str, &str)] = &[
    // The smaller points of issue 26 (docs/web.md, "Reading the pages as they are used"): the
    // withheld deductions, the confirm field, the folded description, the action cards' titles.
    (
        "deductions_withheld",
        "扣款由采购方（区局）管理人员查看，本角色不显示。",
        "Deductions are shown to the buyer's (bureau's) managers; not to this role.",
    ),
    ("password_confirm", "确认新密码", "Confirm new password"),
    ("card_acknowledge", "响应工单", "Acknowledge the ticket"),
    ("card_arrive", "确认到场", "Confirm arrival on site"),
    ("card_request_visit", "要求现场服务", "Request a visit"),
    ("card_start", "开始处理", "Start work"),
    ("card_pause", "挂起计时", "Pause the clock"),
    ("card_resume", "恢复计时", "Resume the clock"),
    ("card_regrade", "调整等级", "Re-grade"),
    ("card_resolve", "解决工单", "Resolve the ticket"),
    ("card_close", "关闭工单", "Close the ticket"),
    ("card_reopen", "重新打开工单", "Reopen the ticket"),
    ("card_cancel", "作废工单", "Void the ticket"),
    ("card_assign", "分派处理人", "Assign an engineer"),
    ("card_comment", "添加备注", "Add a comment"),
    ("card_grade_impact", "事后定级", "Grade the impact"),
    ("card_categorise", "工单分类", "Categorise the ticket"),
    // Categories and problem records on the ticket page (issue 28).
    ("category", "分类", "Category"),
    ("problem", "问题单", "Problem record"),
    ("problem_hint", "同类故障重复发生", "the same fault again"),
    ("uncategorised", "未分类", "Not categorised"),
    (
        "categorise_hint",
        "按合同的分类归类工单，用于分类统计和同类故障识别；不改变时限。",
        "Sort the ticket into one of its contract's categories, for the counts by category and for recurring faults; it changes no deadline.",
    ),
    ("card_correct", "更正工单", "Correct the ticket"),
    ("card_contest", "对作废提出异议", "Contest the cancellation"),
    ("card_approve", "同意", "Approve"),
    ("card_reject", "驳回", "Reject"),
    ("description_expand", "展开全文", "Show all"),
    ("description_chars", "字", "characters"),
    ("error_400", "请求有误", "Bad request"),
    ("error_403", "无权访问", "Not allowed"),
    ("error_404", "页面不存在", "Not found"),
    ("error_409", "操作冲突", "Conflict"),
    ("error_422", "填写有误", "Cannot be accepted"),
    ("error_429", "请稍后再试", "Too many attempts"),
    ("error_503", "服务器繁忙", "Server busy"),
    ("error_500", "服务器出错", "Server error"),
    (
        "error_lead_400",
        "无法读取提交的内容，请返回检查后再试。",
        "The request could not be read; go back, check it and try again.",
    ),
    (
        "error_lead_403",
        "您的角色或所属单位无权进行此操作。如需权限，请联系管理员。",
        "Your role or party may not do this. Ask an administrator if you need to.",
    ),
    (
        "error_lead_404",
        "找不到该页面，或它不在您可查看的范围内。请检查地址。",
        "There is no such page, or it is outside what you may see. Check the address.",
    ),
    (
        "error_lead_409",
        "该操作与当前状态冲突（可能已被他人处理），请刷新页面后再试。",
        "This conflicts with the current state (someone may have acted already); reload the page and try again.",
    ),
    (
        "error_lead_422",
        "提交的内容不符合要求，请返回修改。",
        "What was sent cannot be accepted; go back and correct it.",
    ),
    (
        "error_lead_429",
        "尝试次数过多，请稍后再试。",
        "Too many attempts; try again later.",
    ),
    (
        "error_lead_503",
        "服务器正忙，请稍后再试。",
        "The server is busy; try again shortly.",
    ),
    (
        "error_lead_500",
        "服务器出错，已记录日志。请重试，或联系管理员。",
        "Something went wrong on the server; it has been logged. Try again, or tell the administrator.",
    ),
    ("error_detail", "技术细节（英文）", "Details"),
    ("colon", "：", ": "),
    (
        "cancel_confirm",
        "确定作废此工单？作废后它不计入任何 SLA 统计。",
        "Void this ticket? It will leave every SLA figure.",
    ),
    ("done", "完成", "Done"),
];
