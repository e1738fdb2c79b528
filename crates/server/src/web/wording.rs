//! Page words added for one Chinese vocabulary (issue 26): error pages, the preview's header,
//! the classifier's reason. Kept apart from `i18n::WORDS` (which `i18n::words` chains with this
//! table and with `app::vocab::labels::TABLE`) so that the list stays readable.

/// `(key, 中文, English)`.
pub(super) const WORDS: &[(&str, &str, &str)] = &[
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
];
