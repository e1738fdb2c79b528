//! `/me/security`: my sessions and my API tokens (我的会话与令牌), each with a button that ends
//! it. The use cases are [`crate::app::auth::session`]'s and [`crate::app::auth::tokens`]'.

use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::{Fields, Lang, Viewer, WebResult, redirect_with};
use crate::app::audit::ClientAddr;
use crate::app::auth::{session, tokens};
use crate::http::AppState;
use axum::Form;

/// `GET /me/security`.
pub async fn page(State(state): State<AppState>, v: Viewer, headers: HeaderMap) -> WebResult {
    let current = crate::http::session::current_session(&headers);
    let sessions = session::my_sessions(&state, &v.p, current.as_deref()).await?;
    let tokens = tokens::mine(&state, &v.p).await?;
    super::page(&v, "me_security.html", ctx! { sessions => sessions, tokens => tokens })
}

/// `POST /me/sessions/{id}/end`: ends one of my sessions (this one signs me out).
pub async fn end_session(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    session::end_my_session(&state, &v.p, &from, id).await?;
    let msg = if v.lang == Lang::Zh {
        format!("会话 {id} 已结束")
    } else {
        format!("session {id} ended")
    };
    Ok(redirect_with("/me/security", &msg))
}

/// `POST /me/tokens/{id}/revoke`: revokes one of my API tokens.
pub async fn revoke_token(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<i64>,
    Form(f): Fields,
) -> WebResult {
    v.check_form(&f)?;
    tokens::revoke_mine(&state, &v.p, &from, id, None).await?;
    let msg = if v.lang == Lang::Zh {
        format!("令牌 {id} 已吊销")
    } else {
        format!("token {id} revoked")
    };
    Ok(redirect_with("/me/security", &msg))
}
