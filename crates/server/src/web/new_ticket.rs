//! Logging a new ticket: the system search, the classifier's questions (no answer preset: an
//! untouched form is not proposed as 紧急), a preview of the severity and deadlines before
//! submitting, and the form's one-time token, so that the form sent twice (Back, then 提交工单
//! again) opens one ticket ([`crate::app::tickets::once`]).

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value as Json, json};

use super::i18n::{self, Lang};
use super::ticket::field;
use super::{Fields, Viewer, WebResult, redirect_with};
use crate::app::AppError;
use crate::app::audit::ClientAddr;
use crate::app::tickets::once;
use crate::app::tickets::open::CreateTicket;
use crate::db::entities::systems;
use crate::http::AppState;

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
        .map(|s| {
            json!({
                "code": s.code,
                "name": s.name,
                "unit": units.get(&s.unit_id).cloned().unwrap_or_default(),
                "policy": s.policy_id,
            })
        })
        .collect())
}

/// Every policy's categories, for the form's category list (grouped by policy; the page's
/// script shows the chosen system's policy's for the chosen kind).
async fn category_groups(state: &AppState) -> crate::app::AppResult<Vec<Json>> {
    Ok(crate::app::catalog::policies::categories_by_policy(&state.db)
        .await?
        .into_iter()
        .map(|(id, name, list)| {
            let list: Vec<Json> = list
                .into_iter()
                .map(|c| {
                    let kinds: Vec<&str> = c.kinds.iter().map(|k| k.key()).collect();
                    json!({"code": c.code, "name": c.name, "kinds": kinds.join(" ")})
                })
                .collect();
            json!({"policy": id, "name": name, "categories": list})
        })
        .collect())
}

/// `GET /tickets/new`.
pub async fn new_form(State(state): State<AppState>, v: Viewer) -> WebResult {
    v.p.require_writer()?;
    let systems = systems_in_scope(&state, &v).await?;
    let groups = category_groups(&state).await?;
    // A fresh one-time token per form served: the form sent twice opens one ticket.
    super::page(
        &v,
        "new.html",
        ctx! { systems => systems, groups => groups, form => json!({"kind": "fault", "once": once::new_token()}) },
    )
}

/// Asks for the classifier's first question when no severity is chosen: an untouched form is not
/// proposed as 紧急 (the page presets no answer, see docs/web.md).
fn unanswered(f: &HashMap<String, String>, lang: Lang) -> Option<String> {
    (field(f, "severity").is_none() && field(f, "core_function").is_none()).then(|| {
        if lang == Lang::Zh {
            "请先回答第 3 步「核心功能是否可用？」，再看预计等级和时限。".to_owned()
        } else {
            "Answer step 3, “Is the core function working?”, to see the proposed severity and deadlines.".to_owned()
        }
    })
}

/// The form as the body of [`open_ticket`](crate::app::tickets::open::open_ticket).
fn create_body(f: &HashMap<String, String>) -> crate::app::AppResult<CreateTicket> {
    let mut body = Map::new();
    for k in [
        "kind",
        "system",
        "title",
        "description",
        "severity",
        "severity_reason",
        "category",
    ] {
        if let Some(x) = field(f, k) {
            body.insert(k.into(), json!(x));
        }
    }
    body.entry("title").or_insert(json!(""));
    if field(f, "severity").is_none() || field(f, "core_function").is_some() {
        body.insert(
            "facts".into(),
            json!({
                "core_function": field(f, "core_function").unwrap_or("fine"),
                "users_affected": field(f, "users_affected").unwrap_or("none"),
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
    let groups = category_groups(state).await?;
    let mut res = super::page(
        v,
        "new.html",
        ctx! { systems => systems, groups => groups, form => f, error => error },
    )?;
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
    if let Some(question) = unanswered(&f, v.lang) {
        return refuse(&state, &v, &f, question).await;
    }
    let body = match create_body(&f) {
        Ok(b) => b,
        Err(e) => return refuse(&state, &v, &f, e.to_string()).await,
    };
    // With the form's one-time token, a second send shows the ticket the first one opened.
    let opened = match field(&f, "once") {
        Some(token) => once::open_once(&state, &v.p, token, body, &from).await,
        None => crate::app::tickets::open::open_ticket(&state, &v.p, body, &from)
            .await
            .map(|t| once::Opened::New(Box::new(t))),
    };
    match opened {
        Ok(once::Opened::New(t)) => Ok(redirect_with(
            &format!("/tickets/{}", t.number),
            &format!("{} ✓", t.number),
        )),
        Ok(once::Opened::Already(number)) => Ok(redirect_with(
            &format!("/tickets/{number}"),
            &if v.lang == Lang::Zh {
                format!("此表单已提交过：工单 {number} 已创建，未重复创建。")
            } else {
                format!("This form was sent already: ticket {number} was opened then; no second ticket was opened.")
            },
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
    if let Some(question) = unanswered(&f, v.lang) {
        return super::html(
            "preview.html",
            ctx! { preview_error => question, lang => v.lang.key(), tr => i18n::words(v.lang) },
        );
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
