//! Administration pages (admins only): users and API tokens, calendars as a month view, the
//! escalation ladders, the major-event windows and the mail outbox.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, Months, NaiveDate};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use sla_clock::DayKind;

use super::templates::ZONE;
use super::{Fields, Viewer, WebResult, redirect_with};
use crate::app::AppError;
use crate::app::auth::PartyKind;
use crate::app::outbox::OutboxQuery;
use crate::app::permissions::{self, Action};
use crate::app::vocab::labels;
use crate::http::AppState;

use crate::app::audit::ClientAddr;
use crate::db::entities::{api_tokens, users};

/// The banner of every admin page: the calendars whose published holidays run out within
/// `[sla] coverage_warning_days` or have run out ([`crate::app::coverage`]), in the reader's language.
fn coverage_banner(state: &AppState, v: &Viewer) -> Vec<serde_json::Value> {
    crate::app::coverage::warnings(&state.calendars.snapshot(), state.now(), state.coverage_warning_days)
        .into_iter()
        .map(|c| {
            let message = if v.lang == super::Lang::Zh {
                c.message_zh()
            } else {
                c.message_en()
            };
            // The command the message ends with is shown as code: `(opsclock calendar …)`.
            let (message, command) = match message.split_once("(opsclock ") {
                Some((text, rest)) => (text.trim_end().to_owned(), Some(format!("opsclock {}", rest.trim_end_matches(')')))),
                None => (message, None),
            };
            json!({"calendar": c.calendar, "days_left": c.days_left, "past": c.days_left < 0, "message": message, "command": command})
        })
        .collect()
}

async fn users_page(state: &AppState, v: &Viewer, new_token: Option<String>) -> WebResult {
    let units = crate::app::catalog::export::unit_names(&state.db).await?;
    let vendors = crate::app::catalog::export::vendor_names(&state.db).await?;
    let all = users::Entity::find()
        .order_by_asc(users::Column::Username)
        .all(&state.db)
        .await?;
    let names: HashMap<i64, String> = all.iter().map(|u| (u.id, u.username.clone())).collect();
    let users: Vec<serde_json::Value> = all
        .iter()
        .map(|u| {
            json!({
                "username": u.username, "display_name": u.display_name, "role": u.role.key(), "email": u.email,
                "disabled": u.disabled, "must_change_password": u.must_change_password,
                "belongs_to": u.unit_id.and_then(|i| units.get(&i).cloned())
                    .or_else(|| u.vendor_id.and_then(|i| vendors.get(&i).cloned()))
                    .or_else(|| u.party.as_deref().map(|p| match p {
                        PartyKind::Supervisor if v.lang == super::Lang::Zh => "监理".to_owned(),
                        PartyKind::Supervisor => "supervisor".to_owned(),
                        _ if v.lang == super::Lang::Zh => "区局".to_owned(),
                        _ => "bureau".to_owned(),
                    })),
            })
        })
        .collect();
    let tokens: Vec<serde_json::Value> = api_tokens::Entity::find()
        .order_by_asc(api_tokens::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|t| {
            json!({"id": t.id, "username": names.get(&t.user_id), "name": t.name,
                "created_at": t.created_at, "last_used_at": t.last_used_at, "expires_at": t.expires_at})
        })
        .collect();
    super::page(
        v,
        "admin_users.html",
        ctx! { users => users, tokens => tokens, new_token => new_token, coverage => coverage_banner(state, v),
        parties => super::users::parties(state).await? },
    )
}

/// `GET /admin/users`: users and API tokens.
pub async fn users(State(state): State<AppState>, v: Viewer) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    users_page(&state, &v, None).await
}

/// `POST /admin/tokens`: a new API token for a user, shown once.
pub async fn create_token(State(state): State<AppState>, v: Viewer, from: ClientAddr, Form(f): Fields) -> WebResult {
    permissions::check(&v.p, Action::TokenManage)?;
    v.check_form(&f)?;
    let username = f.get("username").map(|s| s.trim()).unwrap_or("");
    let name = f
        .get("name")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or("web");
    let expires_at = match f.get("expires_days").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse::<u32>() {
            Ok(days) if days > 0 => Some(state.now() + chrono::TimeDelta::days(i64::from(days))),
            _ => {
                return Err(AppError::invalid(
                    "expires_days",
                    format!("{d:?} is not a number of days (1 or more; empty: never expires)"),
                )
                .into());
            }
        },
    };
    let by = crate::app::audit::Actor::Person(&v.p);
    let token = crate::app::auth::tokens::create(&state, by, &from, username, name, expires_at).await?;
    users_page(&state, &v, Some(token)).await
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Fields,
) -> WebResult {
    permissions::check(&v.p, Action::TokenManage)?;
    v.check_form(&f)?;
    crate::app::auth::tokens::revoke(&state, crate::app::audit::Actor::Person(&v.p), &from, id).await?;
    Ok(redirect_with("/admin/users", &format!("token {id} revoked")))
}

/// The calendar page's query.
#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    name: Option<String>,
    /// `2026-10`.
    month: Option<String>,
}

/// `GET /admin/calendars?name=cn-5x8&month=2026-10`: a month with its holidays and make-up days.
pub async fn calendars(State(state): State<AppState>, v: Viewer, Query(q): Query<MonthQuery>) -> WebResult {
    permissions::check(&v.p, Action::Administer)?;
    let names: Vec<String> = state.calendars.snapshot().keys().cloned().collect();
    let name = q
        .name
        .filter(|n| state.calendars.snapshot().contains_key(n))
        .or_else(|| names.iter().find(|n| *n == "cn-5x8").cloned())
        .or_else(|| names.first().cloned())
        .unwrap_or_default();
    let cal = state.calendar(&name)?;
    let first = match q.month.as_deref() {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::invalid("month", format!("{m:?} is not a month like 2026-10")))?,
        None => {
            let today = state.now().with_timezone(&ZONE).date_naive();
            today.with_day(1).unwrap_or(today)
        }
    };
    let shift = |months: i32| {
        let m = Months::new(months.unsigned_abs());
        if months < 0 {
            first.checked_sub_months(m)
        } else {
            first.checked_add_months(m)
        }
        .ok_or_else(|| AppError::invalid("month", "out of range"))
    };
    let (prev, next) = (shift(-1)?, shift(1)?);
    let mut weeks: Vec<Vec<Option<serde_json::Value>>> = Vec::new();
    let mut week: Vec<Option<serde_json::Value>> = vec![None; first.weekday().num_days_from_monday() as usize];
    for date in first.iter_days().take_while(|d| *d < next) {
        let hours =
            |h: &[sla_clock::calendar::DayInterval]| h.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" ");
        let (kind, label, hours) = match cal.day(date) {
            Ok(DayKind::Regular { hours: h }) => ("regular", None, hours(h)),
            Ok(DayKind::Rest) => ("rest", None, String::new()),
            Ok(DayKind::Holiday { name }) => ("holiday", Some(name.to_owned()), String::new()),
            Ok(DayKind::MakeupDay { name, hours: h }) => ("makeup", Some(name.to_owned()), hours(h)),
            Err(e) => ("rest", Some(e.to_string()), String::new()),
        };
        // Past the published years the weekly schedule answers alone: say so on each such day.
        let provisional = !cal.is_published(date) && cal.day(date).is_ok();
        week.push(Some(
            json!({"date": date.to_string(), "day": date.day(), "kind": kind, "name": label,
            "hours": hours, "provisional": provisional}),
        ));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
    }
    if !week.is_empty() {
        week.resize(7, None);
        weeks.push(week);
    }
    let weekdays = if v.lang == super::Lang::Zh {
        ["一", "二", "三", "四", "五", "六", "日"]
    } else {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    };
    super::page(
        &v,
        "admin_calendars.html",
        ctx! {
            names => names, name => name, description => cal.spec().description.clone(),
            month => first.format("%Y-%m").to_string(),
            prev => prev.format("%Y-%m").to_string(),
            next => next.format("%Y-%m").to_string(),
            weeks => weeks, weekdays => weekdays,
            coverage => coverage_banner(&state, &v),
            published_to => cal.published_to().map(|d| d.to_string()),
            counts_to => cal.counts_to().to_string(),
            can_import => matches!(state.calendars.source(), Some(crate::calendars::CalendarSource::Dir(_))),
            next_year => cal.covered_dates().1.year() + 1,
            notice_preview => Option::<Vec<String>>::None,
            notice_text => "", notice_error => Option::<String>::None,
        },
    )
}

/// `POST /admin/calendars/reload`: reads the calendar files again and measures the provisional
/// deadlines of the calendars that changed (see [`crate::app::calendar_reload`]).
pub async fn reload_calendars(State(state): State<AppState>, v: Viewer, Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let message = match crate::app::calendar_reload::reload_by(&state, &v.p).await {
        Ok(r) => reload_summary(&r, v.lang == super::Lang::Zh),
        Err(e @ AppError::Invalid { .. }) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with("/admin/calendars", &message))
}

fn reload_summary(r: &crate::app::calendar_reload::Reloaded, zh: bool) -> String {
    let names: Vec<&str> = r.changed.iter().map(|c| c.name.as_str()).collect();
    let moved: Vec<String> = r
        .remeasured
        .moved
        .iter()
        .map(|m| format!("{} {}", m.ticket, m.clock))
        .collect();
    match (names.is_empty(), zh) {
        (true, true) => "日历文件没有变化".to_owned(),
        (true, false) => "the calendar files have not changed".to_owned(),
        (false, true) => format!(
            "已重新加载 {}；重新计算 {} 个暂定时限，{} 个截止时间变动{}",
            names.join("、"),
            r.remeasured.clocks,
            moved.len(),
            if moved.is_empty() {
                String::new()
            } else {
                format!("：{}", moved.join("、"))
            }
        ),
        (false, false) => format!(
            "reloaded {}; {} provisional clock(s) measured again, {} deadline(s) moved{}",
            names.join(", "),
            r.remeasured.clocks,
            moved.len(),
            if moved.is_empty() {
                String::new()
            } else {
                format!(": {}", moved.join(", "))
            }
        ),
    }
}

/// `POST /admin/calendars/notice`: the State Council's notice for a year, pasted as published.
/// Without `apply` it shows what would change in cn-5x8 and cn-7x24 (or says which line it could
/// not read); with `apply` it writes the files and reloads them, measuring again the provisional
/// deadlines — the same as `opsclock calendar import-notice --yes` followed by a reload.
pub async fn import_notice(State(state): State<AppState>, v: Viewer, from: ClientAddr, Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    permissions::check(&v.p, Action::CalendarChange)?;
    let Some(crate::calendars::CalendarSource::Dir(dir)) = state.calendars.source().cloned() else {
        return Ok(redirect_with(
            "/admin/calendars",
            "the server counts with the calendars built into it: give it a calendar directory ([sla] calendar_dir) to import into",
        ));
    };
    let text = f.get("text").cloned().unwrap_or_default();
    let year: i32 = match f.get("year").map(|y| y.trim().parse()) {
        Some(Ok(y)) => y,
        _ => return Err(AppError::invalid("year", "give the year the notice arranges, e.g. 2027").into()),
    };
    let names: Vec<String> = crate::app::calendar_notice::DEFAULT_CALENDARS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let planned = sla_clock::calendar::notice::parse_notice(year, &text)
        .map_err(anyhow::Error::new)
        .and_then(|notice| crate::app::calendar_notice::plan(&dir, &names, &notice, year));
    let changes = match planned {
        Ok(c) => c,
        Err(e) => return notice_page(&state, &v, year, &text, None, Some(format!("{e:#}"))),
    };
    if f.get("apply").is_none_or(|a| a.is_empty()) {
        let diffs = changes
            .iter()
            .map(crate::app::calendar_notice::FileChange::diff)
            .collect();
        return notice_page(&state, &v, year, &text, Some(diffs), None);
    }
    crate::app::calendar_notice::write_all(&changes).map_err(AppError::Internal)?;
    crate::app::audit::record(
        &state.db,
        Some(v.p.user_id),
        "calendar.import_notice",
        &names.join(","),
        json!({"year": year, "files": changes.iter().map(|c| c.path.display().to_string()).collect::<Vec<_>>()}),
        &from,
        state.now(),
    )
    .await?;
    let r = crate::app::calendar_reload::reload_by(&state, &v.p).await?;
    Ok(redirect_with(
        "/admin/calendars",
        &reload_summary(&r, v.lang == super::Lang::Zh),
    ))
}

fn notice_page(
    state: &AppState,
    v: &Viewer,
    year: i32,
    text: &str,
    preview: Option<Vec<String>>,
    error: Option<String>,
) -> WebResult {
    super::page(
        v,
        "admin_calendars.html",
        ctx! {
            names => Vec::<String>::new(), name => "", description => "",
            month => "", prev => "", next => "", weeks => Vec::<Vec<Option<serde_json::Value>>>::new(),
            weekdays => Vec::<String>::new(),
            coverage => coverage_banner(state, v),
            published_to => Option::<String>::None, counts_to => "",
            can_import => true, next_year => year,
            notice_preview => preview, notice_text => text, notice_error => error,
        },
    )
}

/// `GET /admin/ladders`.
pub async fn ladders(State(state): State<AppState>, v: Viewer) -> WebResult {
    permissions::check(&v.p, Action::Administer)?;
    let coverage = coverage_banner(&state, &v);
    let all = crate::app::escalation::ladders::overview(&state.db).await?;
    let all = serde_json::to_value(&all).map_err(|e| AppError::Internal(e.into()))?;
    // Each step in the reader's words: what it is (已过半), when it fires (时限已用 50%), whom it
    // tells (处理人、值班负责人; an address as it is).
    let lang = v.lang.vocab();
    let steps = |ladder: &serde_json::Value| -> Vec<serde_json::Value> {
        ladder["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let id = s["id"].as_str().unwrap_or_default();
                let when_text = s["when"].as_str().unwrap_or_default();
                let when = when_text.parse::<sla_clock::Trigger>().ok();
                let notify: Vec<String> = s["notify"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str())
                    .map(|x| labels::notify(x, lang))
                    .collect();
                // 邮件、短信 (email alone for a step that names no channels).
                let channels: Vec<&str> = match s["channels"].as_array() {
                    Some(c) => c.iter().filter_map(|x| x.as_str()).collect(),
                    None => vec!["email"],
                };
                let channels: Vec<&str> = channels
                    .into_iter()
                    .map(|c| match c {
                        "sms" => lang.pick("短信", "SMS"),
                        "email" => lang.pick("邮件", "email"),
                        other => other,
                    })
                    .collect();
                json!({
                    "id": id,
                    "channels": channels.join(lang.pick("、", ", ")),
                    "label": labels::step_by(id, when.as_ref(), lang),
                    "when": when.map_or_else(|| when_text.to_owned(), |t| labels::trigger(&t, lang)),
                    "notify": notify.join(lang.pick("、", ", ")),
                })
            })
            .collect()
    };
    let mut ladders: Vec<serde_json::Value> = all["stored"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| json!({"scope": l["scope"], "steps": steps(&l["ladder"])}))
        .collect();
    ladders.push(json!({"scope": lang.pick("内置默认", "builtin default"), "steps": steps(&all["builtin_default"])}));
    super::page(
        &v,
        "admin_ladders.html",
        ctx! { ladders => ladders, coverage => coverage },
    )
}

/// `GET /admin/windows`.
pub async fn windows(State(state): State<AppState>, v: Viewer) -> WebResult {
    permissions::check(&v.p, Action::Administer)?;
    let coverage = coverage_banner(&state, &v);
    let docs = crate::app::duty::manage::list_windows(&state, &v.p).await?;
    let windows: Vec<serde_json::Value> = docs
        .iter()
        .map(|w| {
            let scope = if w.units.is_empty() && w.systems.is_empty() {
                "*".to_owned()
            } else {
                w.units.iter().chain(&w.systems).cloned().collect::<Vec<_>>().join(", ")
            };
            json!({"code": w.code, "name": w.name, "starts": w.starts, "ends": w.ends, "calendar": w.calendar, "scope": scope})
        })
        .collect();
    super::page(
        &v,
        "admin_windows.html",
        ctx! { windows => windows, coverage => coverage },
    )
}

/// `GET /admin/outbox?status=failed`.
pub async fn outbox(State(state): State<AppState>, v: Viewer, Query(q): Query<HashMap<String, String>>) -> WebResult {
    permissions::check(&v.p, Action::Administer)?;
    let status = q.get("status").cloned().filter(|s| !s.is_empty());
    let coverage = coverage_banner(&state, &v);
    let query = OutboxQuery {
        status: status.clone(),
        limit: Some(200),
    };
    let list = crate::app::outbox::list_for(&state, &v.p, query).await?;
    super::page(
        &v,
        "admin_outbox.html",
        ctx! { counts => list.counts, messages => list.messages, status => status, coverage => coverage },
    )
}

/// `POST /admin/outbox/{id}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    match crate::app::outbox::retry_one(&state, &v.p, &from, id).await {
        Ok(_) => Ok(redirect_with("/admin/outbox", &format!("#{id} ✓"))),
        Err(e @ (AppError::Invalid { .. } | AppError::NotFound(_))) => {
            Ok(redirect_with("/admin/outbox", &e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}
