//! One ticket (clocks, timeline, the actions allowed now) and logging a new one (system search,
//! the classifier's questions, a preview of the severity and deadlines before submitting).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value as Json, json};

use super::i18n::{self, Lang};
use super::{Fields, Viewer, WebError, WebResult, local_path, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::auth::Role;
use crate::app::tickets::actions::ActionRequest;
use crate::app::tickets::open::CreateTicket;
use crate::app::tickets::views::TicketView;
use crate::db::Key;
use crate::db::entities::{systems, users};
use crate::http::AppState;

fn field<'a>(f: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    f.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// `GET /tickets/{number}`.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(number): Path<String>) -> WebResult {
    let t = crate::app::tickets::read::get(&state, &v.p, &number).await?;
    let system = systems::Entity::find_by_id(t.system_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket {} has no system", t.number)))?;
    // Whom the ticket can be assigned to, and only for readers who may assign now.
    let vendor_ids = crate::app::scope::assignable_vendor_ids(&state.db, &v.p, system.id).await?;
    let may_assign = v.can_write() && t.allowed.iter().any(|a| a == "assign");
    let engineers: Vec<Json> = users::Entity::find()
        .filter(users::Column::VendorId.is_in(if may_assign { vendor_ids } else { Vec::new() }))
        .filter(users::Column::Disabled.eq(false))
        .filter(users::Column::Role.is_in([Key(Role::Engineer), Key(Role::Manager)]))
        .order_by_asc(users::Column::Username)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| json!({"id": u.id, "name": format!("{} ({})", u.display_name, u.username)}))
        .collect();
    // The names the page shows: the assignee's, and those of every assignment in the timeline.
    let named: Vec<i64> = t
        .assignee_id
        .into_iter()
        .chain(t.timeline.iter().flatten().filter_map(|e| e.data["assignee"].as_i64()))
        .collect();
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(named))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let timeline = timeline(&t, &names, v.lang);
    let actions: Vec<String> = if v.can_write() { t.allowed.clone() } else { Vec::new() };
    super::page(
        &v,
        "ticket.html",
        ctx! {
            t => serde_json::to_value(&t).map_err(|e| AppError::Internal(e.into()))?,
            system => json!({"code": system.code, "name": system.name}),
            assignee => t.assignee_id.and_then(|a| names.get(&a).cloned()),
            engineers => engineers,
            actions => actions,
            timeline => timeline,
        },
    )
}

/// The ticket's events and escalation emails, oldest first, each with a one-line detail.
fn timeline(t: &TicketView, names: &HashMap<i64, String>, lang: Lang) -> Vec<Json> {
    let words = i18n::words(lang);
    let word = |prefix: &str, key: &str| {
        words
            .get(format!("{prefix}{key}").as_str())
            .map_or_else(|| key.to_owned(), |w| (*w).to_owned())
    };
    let s = |d: &Json, k: &str| d.get(k).and_then(Json::as_str).unwrap_or("").to_owned();
    let mut out: Vec<(chrono::DateTime<Utc>, Json)> = Vec::new();
    for e in t.timeline.iter().flatten() {
        let d = &e.data;
        let detail = match e.kind.as_str() {
            "opened" => format!(
                "{} · {}",
                word("sev_", d["ticket"]["severity"].as_str().unwrap_or("")),
                d["ticket"]["severity_reason"].as_str().unwrap_or("")
            ),
            "paused" => format!("{} {}", word("pause_", &s(d, "reason")), s(d, "note")),
            "regraded" => format!(
                "{} → {} · {}",
                word("sev_", &s(d, "from")),
                word("sev_", &s(d, "to")),
                s(d, "reason")
            ),
            "resolved" => format!(
                "{} · {}",
                d["resolution"]["root_cause"].as_str().unwrap_or(""),
                d["resolution"]["fix"].as_str().unwrap_or("")
            ),
            "closed" => format!(
                "{}{}",
                d["satisfaction"].as_u64().map(|n| format!("★{n} ")).unwrap_or_default(),
                s(d, "note")
            ),
            "reopened" => s(d, "reason"),
            "cancelled" => format!("{} {}", word("cancel_", &s(d, "reason")), s(d, "note")),
            "assigned" => d["assignee"]
                .as_i64()
                .and_then(|a| names.get(&a).cloned())
                .unwrap_or_else(|| word("", "unassigned")),
            "commented" => s(d, "text"),
            _ => String::new(),
        };
        out.push((
            e.at,
            json!({"at": e.at, "kind": e.kind, "who": e.actor, "detail": detail.trim()}),
        ));
    }
    for m in t.escalations.iter().flatten() {
        let detail = format!(
            "{} {} · {} → {} · {}",
            word("clock_", &m.clock),
            m.step,
            if m.repeat > 0 {
                format!("#{}", m.repeat)
            } else {
                String::new()
            },
            m.recipients.join(", "),
            word("mail_", &m.status)
        );
        out.push((
            m.due_at,
            json!({"at": m.due_at, "kind": "email", "who": null, "detail": detail}),
        ));
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, v)| v).collect()
}

/// `POST /tickets/{number}/act/{action}`: the action, then back with a message.
pub async fn act(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path((number, action)): Path<(String, String)>,
    Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    let back = local_path(f.get("back").map(String::as_str), &format!("/tickets/{number}"));
    // A number that does not read is refused, never guessed (a guessed assignee would unassign).
    let number_of = |k: &str| -> crate::app::AppResult<Option<i64>> {
        field(&f, k)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AppError::invalid(k, format!("{s:?} is not a number")))
            })
            .transpose()
    };
    let mut body = Map::new();
    let version = number_of("version")?.ok_or_else(|| AppError::invalid("version", "the form has no version"))?;
    body.insert("version".into(), json!(version));
    for k in ["reason", "note", "severity", "root_cause", "fix", "text"] {
        if let Some(x) = field(&f, k) {
            body.insert(k.into(), json!(x));
        }
    }
    if let Some(n) = number_of("satisfaction")? {
        body.insert("satisfaction".into(), json!(n));
    }
    if action == "assign" {
        body.insert("assignee_id".into(), json!(number_of("assignee_id")?));
    }
    let request: ActionRequest = serde_json::from_value(Json::Object(body))
        .map_err(|e| WebError::BadRequest(format!("the form cannot be read: {e}")))?;
    let label = i18n::words(v.lang)
        .get(format!("act_{action}").as_str())
        .copied()
        .unwrap_or("");
    match crate::app::tickets::actions::perform(&state, &v.p, &from, &number, &action, request).await {
        Ok(_) => Ok(redirect_with(&back, &format!("{label} · {number} ✓"))),
        Err(e @ AppError::Internal(_)) => Err(e.into()),
        Err(AppError::VersionConflict { .. }) => Ok(redirect_with(
            &back,
            if v.lang == Lang::Zh {
                "工单刚被他人更新，已显示最新状态，请再操作一次。"
            } else {
                "Someone changed the ticket meanwhile; this is its latest state, please try again."
            },
        )),
        Err(AppError::NotFound(m)) => Err(WebError::App(AppError::NotFound(m))),
        Err(e) => Ok(redirect_with(&back, &format!("{label} · {number} ✗ {e}"))),
    }
}

/// The systems the reader may log against, with their units, by name.
async fn systems_in_scope(state: &AppState, v: &Viewer) -> crate::app::AppResult<Vec<Json>> {
    let mut q = systems::Entity::find().order_by_asc(systems::Column::Name);
    if let Some(ids) = crate::app::scope::visible_system_ids(&state.db, &v.p).await? {
        q = q.filter(systems::Column::Id.is_in(ids));
    }
    let units = crate::app::catalog::export::unit_names(&state.db).await?;
    Ok(q.all(&state.db)
        .await?
        .into_iter()
        .map(|s| json!({"code": s.code, "name": s.name, "unit": units.get(&s.unit_id).cloned().unwrap_or_default()}))
        .collect())
}

/// `GET /tickets/new`.
pub async fn new_form(State(state): State<AppState>, v: Viewer) -> WebResult {
    v.p.require_writer()?;
    let systems = systems_in_scope(&state, &v).await?;
    super::page(
        &v,
        "new.html",
        ctx! { systems => systems, form => json!({"kind": "fault"}) },
    )
}

/// The form as the body of [`open_ticket`](crate::app::tickets::open::open_ticket).
fn create_body(f: &HashMap<String, String>) -> crate::app::AppResult<CreateTicket> {
    let mut body = Map::new();
    for k in ["kind", "system", "title", "description", "severity", "severity_reason"] {
        if let Some(x) = field(f, k) {
            body.insert(k.into(), json!(x));
        }
    }
    body.entry("title").or_insert(json!(""));
    if field(f, "severity").is_none() || field(f, "core_function").is_some() {
        body.insert(
            "facts".into(),
            json!({
                "core_function": field(f, "core_function").unwrap_or("down"),
                "users_affected": field(f, "users_affected").unwrap_or("some"),
                "workaround": field(f, "workaround").is_some(),
                "security_incident": field(f, "security_incident").is_some(),
            }),
        );
    }
    serde_json::from_value(Json::Object(body)).map_err(|e| AppError::Invalid {
        field: None,
        detail: format!("the form cannot be read: {e}"),
    })
}

/// The form again, with what was wrong (422).
async fn refuse(state: &AppState, v: &Viewer, f: &HashMap<String, String>, error: String) -> WebResult {
    let systems = systems_in_scope(state, v).await?;
    let mut res = super::page(v, "new.html", ctx! { systems => systems, form => f, error => error })?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// `POST /tickets/new`: opens the ticket, or shows the form again with what was wrong.
pub async fn create(State(state): State<AppState>, v: Viewer, from: ClientAddr, Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    if field(&f, "severity").is_some() && field(&f, "severity_reason").is_none() {
        return refuse(
            &state,
            &v,
            &f,
            if v.lang == Lang::Zh {
                "人工调整等级时请填写理由。".into()
            } else {
                "Give a reason for overriding the severity.".into()
            },
        )
        .await;
    }
    let body = match create_body(&f) {
        Ok(b) => b,
        Err(e) => return refuse(&state, &v, &f, e.to_string()).await,
    };
    match crate::app::tickets::open::open_ticket(&state, &v.p, body, &from).await {
        Ok(t) => Ok(redirect_with(
            &format!("/tickets/{}", t.number),
            &format!("{} ✓", t.number),
        )),
        Err(e @ AppError::Internal(_)) => Err(e.into()),
        Err(e) => refuse(&state, &v, &f, e.to_string()).await,
    }
}

/// `POST /tickets/new/preview`: the preview section alone (the page's script puts it in place).
pub async fn preview(State(state): State<AppState>, v: Viewer, Form(mut f): Fields) -> WebResult {
    v.check_form(&f)?;
    // The deadlines do not depend on the title, which may not be written yet.
    if field(&f, "title").is_none() {
        f.insert("title".into(), "…".into());
    }
    let answer = match create_body(&f) {
        Ok(body) => crate::app::tickets::preview::preview(&state, &v.p, body).await,
        Err(e) => Err(e),
    };
    let ctx = match answer {
        Ok(p) => ctx! { preview => p, lang => v.lang.key(), tr => i18n::words(v.lang) },
        Err(e @ AppError::Internal(_)) => return Err(e.into()),
        Err(e) => ctx! { preview_error => e.to_string(), lang => v.lang.key(), tr => i18n::words(v.lang) },
    };
    super::html("preview.html", ctx)
}
