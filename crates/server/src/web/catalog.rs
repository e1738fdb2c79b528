//! The catalogue: the systems the reader sees, and one system's policy, clock by clock, its
//! service dates and yearly fee, and for those who may change the catalogue the form that sets
//! them ([`crate::app::catalog::systems::update`], as `PATCH /api/v1/systems/{id}` does).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use sla_clock::Severity;
use ticket_domain::{Kind, Policy};

use super::{Fields, Viewer, WebResult, redirect_with};
use crate::app::audit::ClientAddr;
use crate::app::catalog::service_edit::ServiceChange;
use crate::app::catalog::systems::{self as system_cases, SystemPatch};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult};
use crate::db::entities::{policies, system_vendors, systems};
use crate::http::AppState;

/// The list's search.
#[derive(Debug, Deserialize)]
pub struct Search {
    /// Words that code, name, unit or vendor must all contain.
    q: Option<String>,
}

/// Names of units, vendors and policies, and each system's vendors.
struct Lookup {
    units: BTreeMap<i64, String>,
    vendors: BTreeMap<i64, String>,
    policies: HashMap<i64, policies::Model>,
    system_vendors: HashMap<i64, Vec<i64>>,
}

impl Lookup {
    async fn load(state: &AppState) -> crate::app::AppResult<Lookup> {
        let mut system_vendors: HashMap<i64, Vec<i64>> = HashMap::new();
        for sv in system_vendors::Entity::find().all(&state.db).await? {
            system_vendors.entry(sv.system_id).or_default().push(sv.vendor_id);
        }
        Ok(Lookup {
            units: crate::app::catalog::export::unit_names(&state.db).await?,
            vendors: crate::app::catalog::export::vendor_names(&state.db).await?,
            policies: policies::Entity::find()
                .all(&state.db)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect(),
            system_vendors,
        })
    }

    fn describe(&self, s: &systems::Model) -> serde_json::Value {
        let policy = self.policies.get(&s.policy_id);
        json!({
            "code": s.code,
            "name": s.name,
            "unit": self.units.get(&s.unit_id).cloned().unwrap_or_default(),
            "vendors": self.system_vendors.get(&s.id).into_iter().flatten()
                .filter_map(|v| self.vendors.get(v).cloned()).collect::<Vec<_>>(),
            "policy": policy.map(|p| p.code.clone()),
            "policy_name": policy.map(|p| p.name.clone()),
            "calendar": s.calendar,
            "clock_calendars": crate::app::tickets::calendars::named(s.clock_calendars.as_ref())
                .into_iter()
                .map(|(clock, calendar)| json!({"clock": clock.key(), "calendar": calendar}))
                .collect::<Vec<_>>(),
            "service_mode": s.service_mode,
            "availability_target": s.profile.as_ref().and_then(|p| p.get("availability_target")).cloned(),
            "main_device_availability_target": s.profile.as_ref().and_then(|p| p.get("main_device_availability_target")).cloned(),
            "online_rate_target": s.profile.as_ref().and_then(|p| p.get("online_rate_target")).cloned(),
            "filing_rate_target": s.profile.as_ref().and_then(|p| p.get("filing_rate_target")).cloned(),
            "service_start": fact(s, "service_start"),
            "service_end": fact(s, "service_end"),
            "fee_yuan": s.profile.as_ref().and_then(|p| p.get("fee_fen")).and_then(serde_json::Value::as_i64).map(yuan),
            "version": s.version,
        })
    }
}

/// A text fact of the system's contract facts.
fn fact(s: &systems::Model, key: &str) -> Option<String> {
    s.profile
        .as_ref()
        .and_then(|p| p.get(key))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// Fen as yuan with two decimals, no separators (the form's value): `3650000.00`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Yuan as the form writes them (`3650000`, `3,650,000.5`, `-1.00`) in fen; `None` for anything
/// else, more than two decimals included.
fn fen_of_yuan(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = digits.replace([',', '，'], "");
    let (whole, part) = digits.split_once('.').unwrap_or((&digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && part.is_empty()) || part.len() > 2 || !all_digits(whole) || !all_digits(part) {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let part: i64 = format!("{part:0<2}").parse().ok()?;
    let fen = whole.checked_mul(100)?.checked_add(part)?;
    Some(if negative { -fen } else { fen })
}

/// The words of the service form, Chinese and English.
const WORDS: &[(&str, &str, &str)] = &[
    ("service", "运维服务期限与费用", "Service dates and fee"),
    ("devices", "设备清单", "Devices"),
    ("service_start", "运维服务开始日期", "Service starts"),
    ("service_end", "运维服务结束日期", "Service ends (last day)"),
    ("fee_yuan", "年度运维费（元）", "Yearly fee (yuan)"),
    ("not_set", "未设置", "not set"),
    (
        "service_hint",
        "日期格式 2026-09-15 或 2026-09（开始为当月首日、结束为当月末日）；留空即清除。开始前、结束后发生的故障不计合同时限；费用用于核减。",
        "Dates as 2026-09-15 or 2026-09 (a start is the month's first day, an end its last); blank clears. Faults that begin before the start or after the end get no contract clocks; the fee gives the reductions.",
    ),
    ("save", "保存", "Save"),
    ("saved", "已保存运维服务期限与费用", "Service dates and fee saved"),
];

fn words(lang: super::Lang) -> BTreeMap<&'static str, &'static str> {
    WORDS
        .iter()
        .map(|(k, zh, en)| (*k, if lang == super::Lang::Zh { *zh } else { *en }))
        .collect()
}

/// The form's fields as a change of all three values (blank clears one) and the version read.
fn service_form(f: &HashMap<String, String>) -> AppResult<(i64, ServiceChange)> {
    let field = |k: &str| f.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let version = field("version")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| AppError::invalid("version", "the form has no version; reload the page"))?;
    let fee_fen =
        match field("fee_yuan") {
            None => None,
            Some(y) => Some(fen_of_yuan(&y).ok_or_else(|| {
                AppError::invalid("fee_fen", format!("{y:?} is not an amount in yuan like 365000.00"))
            })?),
        };
    Ok((
        version,
        ServiceChange {
            service_start: Some(field("service_start")),
            service_end: Some(field("service_end")),
            fee_fen: Some(fee_fen),
        },
    ))
}

/// `POST /catalog/{code}/service`: sets (or, left blank, clears) the system's service dates and
/// yearly fee from the form, and goes back to the system's page with what happened.
pub async fn set_service(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(code): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let s = crate::app::scope::system_in_scope(&state.db, &v.p, &code)
        .await
        .map_err(|_| AppError::NotFound(format!("no system {code}")))?;
    let back = format!("/catalog/{}", super::encode(&s.code));
    let w = words(v.lang);
    let done = match service_form(&f) {
        Ok((version, change)) => {
            system_cases::update(&state, &v.p, &from, s.id, SystemPatch::service(version, change)).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(redirect_with(&back, &format!("{} ✓", w["saved"]))),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_) | AppError::Forbidden(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(&back, &format!("{} ✗ {}", w["service"], e.detail()))),
    }
}

/// `GET /catalog?q=…`.
pub async fn list(State(state): State<AppState>, v: Viewer, Query(q): Query<Search>) -> WebResult {
    let mut find = systems::Entity::find().order_by_asc(systems::Column::Code);
    if let Some(ids) = crate::app::scope::visible_system_ids(&state.db, &v.p).await? {
        find = find.filter(systems::Column::Id.is_in(ids));
    }
    let lookup = Lookup::load(&state).await?;
    let words: Vec<String> =
        q.q.as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
    let systems: Vec<serde_json::Value> = find
        .all(&state.db)
        .await?
        .iter()
        .map(|s| lookup.describe(s))
        .filter(|d| {
            let hay = d.to_string().to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .collect();
    super::page(&v, "catalog.html", ctx! { systems => systems, q => q.q })
}

/// `GET /catalog/{code}`.
pub async fn system(State(state): State<AppState>, v: Viewer, Path(code): Path<String>) -> WebResult {
    let s = crate::app::scope::system_in_scope(&state.db, &v.p, &code)
        .await
        .map_err(|_| AppError::NotFound(format!("no system {code}")))?;
    let lookup = Lookup::load(&state).await?;
    let policy: Policy = match lookup.policies.get(&s.policy_id) {
        Some(p) => serde_json::from_value(p.targets.clone())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("policy {}: {e}", p.code)))?,
        None => return Err(AppError::Internal(anyhow::anyhow!("system {code} has no policy")).into()),
    };
    let mut targets = Vec::new();
    for kind in Kind::ALL {
        for severity in Severity::ALL {
            let t = policy.targets(*kind, severity);
            if t.response.is_none() && t.arrival.is_none() && t.repair.is_none() {
                continue;
            }
            targets.push(json!({
                "kind": kind.key(), "severity": severity.key(),
                "response": t.response.map(|d| d.to_string()),
                "arrival": t.arrival.map(|d| d.to_string()),
                "repair": t.repair.map(|d| d.to_string()),
                "repair_from_arrival": t.repair_from_arrival,
                "arrival_from_visit_request": t.arrival_from_visit_request,
            }));
        }
    }
    let clock_start = Kind::ALL
        .iter()
        .map(|k| policy.start(*k))
        .max()
        .unwrap_or_default()
        .key();
    super::page(
        &v,
        "system.html",
        ctx! {
            s => lookup.describe(&s),
            targets => targets,
            clock_start => clock_start,
            sw => words(v.lang),
            may_edit => permissions::may(&v.p, Action::CatalogWrite),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{fen_of_yuan, yuan};

    #[test]
    fn yuan_on_the_page_fen_in_the_store() {
        assert_eq!(fen_of_yuan("365000"), Some(36_500_000));
        assert_eq!(fen_of_yuan("3,650.5"), Some(365_050));
        assert_eq!(fen_of_yuan("0.07"), Some(7));
        assert_eq!(fen_of_yuan("-1.00"), Some(-100));
        assert_eq!(fen_of_yuan("1.005"), None);
        assert_eq!(fen_of_yuan("1e5"), None);
        assert_eq!(fen_of_yuan("."), None);
        assert_eq!(yuan(36_500_000), "365000.00");
        assert_eq!(yuan(7), "0.07");
    }
}
