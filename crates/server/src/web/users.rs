//! User administration in the web (admins only): add an account, reset its password, disable or
//! enable it, change its role, and set the escalation roles it holds with its address — what the
//! command line's `opsclock user …` does, for an administrator who cannot reach the server's
//! shell. Each form calls the use case in [`crate::app::auth::accounts`], which checks and audits
//! it as the signed-in admin.
//!
//! A one-time password (after adding an account or resetting one) is shown once, on the page the
//! form answers with, and never put in a cookie, a URL or the log: "请将一次性密码当面或通过电话告知
//! 本人；首次登录时须修改".

use axum::extract::{Path, State};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::{Fields, Viewer, WebResult, redirect_with};
use crate::app::AppError;
use crate::app::audit::{Actor, ClientAddr};
use crate::app::auth::{PartyKind, Role, accounts};
use crate::app::permissions::{self, Action};
use crate::db::entities::{units, users, vendors};
use crate::http::AppState;

/// The escalation roles one may hold, in the order the form lists them.
const NOTIFY_ROLES: [sla_clock::Role; 4] = [
    sla_clock::Role::OnDuty,
    sla_clock::Role::VendorManager,
    sla_clock::Role::UnitHead,
    sla_clock::Role::BuyerOpsLead,
];

/// `GET /admin/users/{username}`: one account and the forms that change it.
pub async fn page(State(state): State<AppState>, v: Viewer, Path(username): Path<String>) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    user_page(&state, &v, &username, None).await
}

async fn user_page(state: &AppState, v: &Viewer, username: &str, password: Option<String>) -> WebResult {
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user called {username:?}")))?;
    let belongs_to = match (user.unit_id, user.vendor_id, user.party.as_ref().map(|p| p.0)) {
        (Some(id), _, _) => units::Entity::find_by_id(id).one(&state.db).await?.map(|u| u.name),
        (_, Some(id), _) => vendors::Entity::find_by_id(id).one(&state.db).await?.map(|u| u.name),
        (_, _, Some(PartyKind::Supervisor)) => Some("监理".to_owned()),
        (_, _, Some(_)) | (None, None, None) => Some("区局".to_owned()),
    };
    let held = crate::app::escalation::recipients::held_roles(&user);
    let roles: Vec<serde_json::Value> = NOTIFY_ROLES
        .iter()
        .map(|r| json!({"key": r.key(), "label": notify_label(*r, v.lang), "held": held.contains(r)}))
        .collect();
    super::page(
        v,
        "admin_user.html",
        ctx! {
            user => json!({
                "username": user.username, "display_name": user.display_name, "role": user.role.key(),
                "email": user.email, "phone": user.phone, "mail_english": user.mail_english, "disabled": user.disabled,
                "must_change_password": user.must_change_password, "belongs_to": belongs_to,
            }),
            roles => roles,
            all_roles => Role::ALL.iter().map(|r| r.key()).collect::<Vec<_>>(),
            password => password,
            is_self => user.username == v.p.username,
        },
    )
}

/// The choices of "belongs to" on the add form: every unit and vendor by code, the bureau and the
/// supervisor.
pub async fn parties(state: &AppState) -> Result<Vec<serde_json::Value>, AppError> {
    let mut out = vec![
        json!({"value": "party:bureau", "label": "区局（采购方，全部单位）"}),
        json!({"value": "party:supervisor", "label": "监理"}),
    ];
    for u in units::Entity::find()
        .order_by_asc(units::Column::Code)
        .all(&state.db)
        .await?
    {
        out.push(json!({"value": format!("unit:{}", u.code), "label": format!("单位：{}", u.name)}));
    }
    for s in vendors::Entity::find()
        .order_by_asc(vendors::Column::Code)
        .all(&state.db)
        .await?
    {
        out.push(json!({"value": format!("vendor:{}", s.code), "label": format!("服务商：{}", s.name)}));
    }
    Ok(out)
}

/// `POST /admin/users`: adds an account; answers with its page and the one-time password.
pub async fn add(State(state): State<AppState>, v: Viewer, from: ClientAddr, axum::Form(f): Fields) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    v.check_form(&f)?;
    let field = |k: &str| f.get(k).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let username = field("username").ok_or_else(|| AppError::invalid("username", "enter a login name"))?;
    let role = parse_role(field("role").as_deref())?;
    let (mut unit, mut vendor, mut party) = (None, None, None);
    match field("belongs").as_deref().and_then(|b| b.split_once(':')) {
        Some(("unit", code)) => unit = Some(code.to_owned()),
        Some(("vendor", code)) => vendor = Some(code.to_owned()),
        Some(("party", "bureau")) => party = Some(PartyKind::Bureau),
        Some(("party", "supervisor")) => party = Some(PartyKind::Supervisor),
        Some(_) => {
            return Err(AppError::invalid("belongs", "choose a unit, a vendor, the bureau or the supervisor").into());
        }
        None => {}
    }
    let new = accounts::NewUser {
        username: username.clone(),
        role,
        unit,
        vendor,
        party,
        display_name: field("display_name"),
        email: field("email"),
        phone: field("phone"),
    };
    if let Some(e) = &new.email {
        accounts::check_email(e)?;
    }
    let password = accounts::add(&state, Actor::Person(&v.p), &from, new).await?;
    user_page(&state, &v, &username, Some(password)).await
}

/// `POST /admin/users/{username}/password`: a new one-time password, shown once; ends the
/// account's sessions.
pub async fn reset_password(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(username): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    v.check_form(&f)?;
    let revoke = f.get("revoke_tokens").is_some_and(|s| s == "on" || s == "true");
    let (password, _) = accounts::reset_password(&state, Actor::Person(&v.p), &from, &username, revoke).await?;
    user_page(&state, &v, &username, Some(password)).await
}

/// `POST /admin/users/{username}/disable` and `…/enable`.
pub async fn disable(state: State<AppState>, v: Viewer, from: ClientAddr, path: Path<String>, f: Fields) -> WebResult {
    set_disabled(state, v, from, path, f, true).await
}

/// `POST /admin/users/{username}/enable`.
pub async fn enable(state: State<AppState>, v: Viewer, from: ClientAddr, path: Path<String>, f: Fields) -> WebResult {
    set_disabled(state, v, from, path, f, false).await
}

async fn set_disabled(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(username): Path<String>,
    axum::Form(f): Fields,
    disabled: bool,
) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    v.check_form(&f)?;
    let ended = accounts::set_disabled(&state, Actor::Person(&v.p), &from, &username, disabled).await?;
    let said = if disabled {
        format!("已停用 {username}，结束了 {} 个会话", ended.sessions)
    } else {
        format!("已启用 {username}")
    };
    Ok(redirect_with(&format!("/admin/users/{username}"), &said))
}

/// `POST /admin/users/{username}/role`.
pub async fn set_role(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(username): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    v.check_form(&f)?;
    let role = parse_role(f.get("role").map(|s| s.trim()))?;
    accounts::set_role(&state, Actor::Person(&v.p), &from, &username, role).await?;
    Ok(redirect_with(
        &format!("/admin/users/{username}"),
        &format!("{username} 的角色已改为 {}；其会话已结束，重新登录后生效", role.key()),
    ))
}

/// `POST /admin/users/{username}/notify`: the escalation roles held (checkboxes `role_<key>`),
/// the address (empty removes it), whether the mails carry the English copy (`mail_english`) and
/// the mobile number for SMS (`phone`, empty removes it).
pub async fn set_notify(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(username): Path<String>,
    axum::Form(f): Fields,
) -> WebResult {
    permissions::check(&v.p, Action::UserManage)?;
    v.check_form(&f)?;
    let roles = NOTIFY_ROLES
        .iter()
        .copied()
        .filter(|r| f.get(&format!("role_{}", r.key())).is_some_and(|s| s == "on"))
        .collect();
    let change = accounts::Notify {
        roles: Some(roles),
        email: Some(f.get("email").cloned().unwrap_or_default()),
        english: Some(f.get("mail_english").is_some_and(|s| s == "on")),
        phone: Some(f.get("phone").cloned().unwrap_or_default()),
    };
    let user = accounts::set_notify(&state, Actor::Person(&v.p), &from, &username, change).await?;
    let warn = if user.email.is_none() && !crate::app::escalation::recipients::held_roles(&user).is_empty() {
        "；没有邮箱地址，收不到任何通知"
    } else {
        ""
    };
    Ok(redirect_with(
        &format!("/admin/users/{username}"),
        &format!("已保存 {username} 的通知设置{warn}"),
    ))
}

/// An escalation role as the form names it.
fn notify_label(role: sla_clock::Role, lang: super::Lang) -> String {
    let zh = match role {
        sla_clock::Role::OnDuty => "值班工程师（本服务商的系统）",
        sla_clock::Role::VendorManager => "服务商项目经理（本服务商的系统）",
        sla_clock::Role::UnitHead => "单位负责人（本单位的系统）",
        sla_clock::Role::BuyerOpsLead => "采购方运维负责人（本单位或全部系统）",
        sla_clock::Role::Assignee => "处理人",
    };
    if lang == super::Lang::Zh {
        zh.to_owned()
    } else {
        role.key().to_owned()
    }
}

fn parse_role(text: Option<&str>) -> Result<Role, AppError> {
    let text = text.unwrap_or("");
    Role::ALL.into_iter().find(|r| r.key() == text).ok_or_else(|| {
        AppError::invalid(
            "role",
            format!("{text:?} is not a role (admin, manager, engineer, viewer)"),
        )
    })
}
