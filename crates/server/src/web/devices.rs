//! Device pages (一机一档): `/catalog/{code}/devices`, a system's devices with the month's main-
//! device availability, the export links and (for whoever may keep the list) the import form;
//! `/devices/{device}`, one device with its tickets and its availability. Everything goes
//! through [`crate::app::devices`], which says who may do what.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{Datelike, NaiveDate};

use super::errors::reason;
use super::i18n::Lang;
use super::{Viewer, WebError, WebResult, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::devices::availability::{self, AvailabilityQuery};
use crate::app::devices::import::{self, Format};
use crate::app::devices::{self, DeviceQuery};
use crate::app::permissions::{self, Action};
use crate::http::AppState;
use crate::http::limits::BodyTooLarge;

/// The largest import form: the largest device file and room for the form's other parts.
pub(crate) const FORM_LIMIT: usize = crate::app::devices::import::MAX_FILE_BYTES + 64 * 1024;

/// The words of these pages, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("devices", "设备清单", "Devices"),
    ("device", "设备", "Device"),
    (
        "hint",
        "一机一档：每台设备一个唯一编号。主要设备的正常运行时间比例即系统主要设备考核指标；经批准的检修、不可抗力和道路市政施工时段不计为故障。",
        "One record per device, each with a unique code. The running-time share of the main devices is the system's main-device KPI; approved maintenance, force majeure and road or municipal works are not counted as faults.",
    ),
    ("none", "暂无设备", "No devices"),
    ("code", "设备编号", "Code"),
    ("type", "类型", "Type"),
    ("model", "型号", "Model"),
    ("serial", "序列号", "Serial"),
    ("location", "位置", "Location"),
    ("coordinates", "经纬度", "Coordinates"),
    ("main", "主要设备", "Main device"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    ("installed_on", "安装日期", "Installed"),
    ("removed_on", "拆除日期", "Removed"),
    ("warranty", "保修", "Warranty"),
    ("until", "截止", "until"),
    ("status", "状态", "Status"),
    ("status_in_service", "在用", "In service"),
    ("status_faulty", "故障", "Faulty"),
    ("status_removed", "已拆除", "Removed"),
    ("attributes", "其他属性", "Other attributes"),
    ("system", "系统", "System"),
    ("month", "月份", "Month"),
    ("show", "查看", "Show"),
    ("availability", "设备可用率", "Device availability"),
    ("system_availability", "主要设备可用率", "Main-device availability"),
    ("main_count", "主要设备数", "Main devices"),
    ("kpis", "设备指标（对照目标）", "Device KPIs against target"),
    ("kpi", "指标", "KPI"),
    ("target", "目标", "Target"),
    ("value", "实际", "Measured"),
    ("verdict", "是否达标", "Met?"),
    ("met", "达标", "Met"),
    ("not_met", "未达标", "Not met"),
    (
        "kpi_main_device_availability",
        "主要设备可用率",
        "Main-device availability",
    ),
    ("kpi_online_rate", "设备在线率（全部设备）", "Online rate (all devices)"),
    ("kpi_filing_rate", "一机一档备案率", "Device filing rate"),
    ("filed", "建档", "Record"),
    ("filed_complete", "完整", "Complete"),
    ("filed_lacks", "缺", "Lacks"),
    ("warranty_by", "保修方", "Warranty by"),
    ("warranty_until", "保修截止", "Warranty until"),
    ("measured", "计量时长（分钟）", "Measured (minutes)"),
    ("outage", "故障时长（分钟）", "Outage (minutes)"),
    ("excluded", "已扣除（分钟）", "Excluded (minutes)"),
    (
        "no_figure",
        "无（本期无主要设备）",
        "None (no main device in the period)",
    ),
    ("export", "导出", "Export"),
    ("import", "导入设备清单", "Import the device list"),
    (
        "import_hint",
        "首行为固定表头，与导出的文件相同（可先导出一份作模板），自定义属性各占一列，列名见下；按设备编号新增或更新；任何一行有误则整份文件不导入。",
        "The first row is the fixed header, as in an exported file (export one as a template), each custom attribute a column of its own, named as below; devices are created or updated by code; a file with any bad row imports nothing.",
    ),
    ("file", "文件", "File"),
    ("upload", "导入", "Import"),
    ("no_file", "请选择文件", "Choose a file"),
    ("wrong_type", "只接受 .csv 或 .xlsx 文件", "Only .csv or .xlsx files"),
    ("too_large", "文件过大", "The file is too large"),
    ("imported", "已导入", "Imported"),
    ("tickets", "关联工单", "Tickets"),
    ("ticket", "工单", "Ticket"),
    ("title", "标题", "Title"),
    ("occurred", "发生时间", "Began"),
    ("resolved", "恢复时间", "Restored"),
    ("no_tickets", "暂无关联工单", "No tickets"),
    ("ticket_devices", "涉及设备", "Devices"),
    ("search", "查找", "Find"),
    (
        "search_hint",
        "编号、类型或位置中的文字",
        "Text in the code, type or location",
    ),
    ("page", "页", "Page"),
    ("of", "共", "of"),
    ("previous", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("no_match", "没有符合条件的设备", "No device matches"),
    ("name_devices", "填写涉及设备", "Name the devices"),
    (
        "name_devices_hint",
        "填写本系统的设备编号，多个用逗号或空格分隔；保存后替换原有清单，留空则清除。",
        "Codes of this system's devices, separated by commas or spaces; saving replaces the list, empty clears it.",
    ),
    ("save", "保存", "Save"),
];

/// Devices shown per page of a system's list.
pub(super) const PAGE_ROWS: usize = 100;

/// The words of `lang`, by key.
pub(super) fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// The month asked for (`?month=2026-03`), else the current one (Beijing): its first day and the
/// first of the next.
fn month(q: &HashMap<String, String>, today: NaiveDate) -> (String, NaiveDate, NaiveDate) {
    let first = q
        .get("month")
        .and_then(|m| NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    (first.format("%Y-%m").to_string(), first, next)
}

async fn month_availability(
    state: &AppState,
    v: &Viewer,
    system: &str,
    q: &HashMap<String, String>,
) -> Result<(String, availability::SystemDeviceAvailability), AppError> {
    let today = state
        .now()
        .with_timezone(&crate::app::catalog::service::ZONE)
        .date_naive();
    let (label, from, to) = month(q, today);
    let query = AvailabilityQuery {
        from: from.to_string(),
        to: to.to_string(),
        severities: None,
    };
    Ok((label, availability::of_system(state, &v.p, system, query).await?))
}

/// `GET /catalog/{code}/devices?month=2026-03`.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let not_found = |_| WebError::from(AppError::NotFound(format!("no system {code}")));
    let system = crate::app::scope::system_in_scope(&state.db, &v.p, &code)
        .await
        .map_err(not_found)?;
    let list = devices::list(&state, &v.p, &code, DeviceQuery::default()).await?;
    let (label, mut avail) = month_availability(&state, &v, &code, &q).await?;
    let may_import = permissions::may(&v.p, Action::DeviceWrite);
    let search = q.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let (rows, total, page_no, pages) = one_page(list, &search, &mut avail, &q);
    super::page(
        &v,
        "devices.html",
        ctx! { system => ctx! { code => system.code, name => system.name }, rows => rows, total => total,
        search => search, page_no => page_no, pages => pages, avail => avail,
        month => label, may_import => may_import, dw => words(v.lang) },
    )
}

/// One page of a system's devices: those whose code, type or location contains `search` (any
/// case), [`PAGE_ROWS`] at a time by code, page `?page=` (1 when absent or out of range), each
/// with its availability of the month. A district's list runs to tens of thousands of cameras;
/// the page shows one hundred and says how many matched. Takes the devices' figures out of
/// `avail` (the page shows the system's).
///
/// Example: 10 000 devices, `search` "杆 12" → those whose location holds "杆 12"; page 2 of
/// 10 000 without a search is devices 101–200.
fn one_page(
    list: Vec<devices::DeviceView>,
    search: &str,
    avail: &mut availability::SystemDeviceAvailability,
    q: &HashMap<String, String>,
) -> (Vec<serde_json::Value>, usize, usize, usize) {
    let needle = search.to_lowercase();
    let hit = |d: &devices::DeviceView| {
        needle.is_empty()
            || d.code.to_lowercase().contains(&needle)
            || d.kind.to_lowercase().contains(&needle)
            || d.location
                .as_deref()
                .is_some_and(|l| l.to_lowercase().contains(&needle))
    };
    let matching: Vec<devices::DeviceView> = list.into_iter().filter(|d| hit(d)).collect();
    let total = matching.len();
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page_no = q
        .get("page")
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| (1..=pages).contains(p))
        .unwrap_or(1);
    let figures: HashMap<String, (Option<f64>, Vec<String>)> = std::mem::take(&mut avail.devices)
        .into_iter()
        .map(|a| (a.code, (a.availability_pct, a.missing)))
        .collect();
    let rows = matching
        .into_iter()
        .skip((page_no - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .map(|d| {
            let mut row = serde_json::to_value(&d).unwrap_or_default();
            // A device not measured this month (not yet installed, or removed before it) has
            // neither figure.
            if let Some((pct, missing)) = figures.get(&d.code) {
                row["availability_pct"] = (*pct).into();
                row["missing"] = serde_json::json!(missing);
            }
            row
        })
        .collect();
    (rows, total, page_no, pages)
}

/// `GET /devices/{device}?month=2026-03`.
pub async fn page(
    State(state): State<AppState>,
    v: Viewer,
    Path(device): Path<String>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> WebResult {
    let q = q.map_err(|e| WebError::BadRequest(e.body_text()))?.0;
    let d = devices::get(&state, &v.p, &device).await?;
    let tickets = devices::tickets::of_device(&state, &v.p, &device).await?;
    let (label, avail) = month_availability(&state, &v, &d.system, &q).await?;
    let mine = avail.devices.iter().find(|x| x.code == d.code).cloned();
    super::page(
        &v,
        "device.html",
        ctx! { d => d, tickets => tickets, mine => mine, month => label, dw => words(v.lang) },
    )
}

/// `POST /catalog/{code}/devices/import`: the upload form (`multipart/form-data`: the form
/// token and the file); back to the list with what it did or the file's first problems.
pub async fn upload(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(code): Path<String>,
    headers: HeaderMap,
    too_large: Option<Extension<BodyTooLarge>>,
    body: Result<Bytes, BytesRejection>,
) -> WebResult {
    // Out of scope is as absent, whatever was sent.
    crate::app::scope::system_in_scope(&state.db, &v.p, &code)
        .await
        .map_err(|_| AppError::NotFound(format!("no system {code}")))?;
    let back = format!("/catalog/{code}/devices");
    let w = words(v.lang);
    let label = w["import"];
    let body = match body {
        Ok(_) if too_large.is_some() => return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["too_large"]))),
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["too_large"])));
        }
        Err(e) => return Err(WebError::BadRequest(format!("the form could not be read: {e}"))),
    };
    let parts = v.upload_parts(&headers, &body)?;
    let Some(file) = parts.iter().find(|p| p.name == "file" && !p.data.is_empty()) else {
        return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["no_file"])));
    };
    let name = file.file_name.as_deref().unwrap_or("").to_ascii_lowercase();
    let format = if name.ends_with(".csv") {
        Format::Csv
    } else if name.ends_with(".xlsx") {
        Format::Xlsx
    } else {
        return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["wrong_type"])));
    };
    match import::import(&state, &v.p, &from, &code, format, file.data).await {
        Ok(r) => Ok(redirect_with(
            &back,
            &format!(
                "{label} ✓ {} · +{} ~{} ={}",
                w["imported"], r.created, r.changed, r.unchanged
            ),
        )),
        Err(AppError::InvalidFile { problems, .. }) => {
            let first: Vec<String> = problems.iter().take(3).map(ToString::to_string).collect();
            Ok(redirect_with(
                &back,
                &format!("{label} ✗ ({}) {}", problems.len(), first.join("; ")),
            ))
        }
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{label} ✗ {}", reason(&e, v.lang)))),
    }
}

/// `POST /tickets/{number}/devices`: the ticket page's form naming the devices a ticket is about
/// (`devices`: codes separated by commas, spaces or 、); back to the ticket with what was named
/// or why not.
pub async fn name_on_ticket(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(number): Path<String>,
    axum::Form(f): super::Fields,
) -> WebResult {
    v.check_form(&f)?;
    let w = words(v.lang);
    let back = format!("/tickets/{number}#ticket-devices");
    let codes: Vec<String> = f
        .get("devices")
        .map(String::as_str)
        .unwrap_or_default()
        .split(|c: char| ",，、;；".contains(c) || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let body = serde_json::json!({ "devices": codes });
    match devices::tickets::set(&state, &v.p, &from, &number, body).await {
        Ok(named) => Ok(redirect_with(
            &back,
            &format!("{} ✓ {}", w["name_devices"], named.len()),
        )),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{} ✗ {}", w["name_devices"], reason(&e, v.lang)),
        )),
    }
}

#[cfg(test)]
mod tests {
    /// Every `dw.key` the device pages use exists, in both languages.
    #[test]
    fn every_word_the_pages_use_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["devices", "device", "ticket"], "dw");
        assert!(used.iter().any(|(_, k)| k == "main"), "{used:?}");
        super::super::templates::check_words(super::WORDS, &used);
    }
}
