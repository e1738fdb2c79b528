//! Who is asking, and what they may see and do.
//!
//! A request is authenticated by a personal API token (`Authorization: Bearer ocp_…`) or by the
//! session cookie the web pages get from `POST /api/v1/session`. The [`Principal`] carries the
//! user's role and scope:
//!
//! | role | may |
//! |---|---|
//! | admin | everything, everywhere |
//! | manager | read and act on tickets in scope |
//! | engineer | read and act on tickets in scope |
//! | viewer | read tickets in scope |
//!
//! Scope: a user belongs to a buyer unit or a vendor. A unit's people see the tickets of that
//! unit's systems; a vendor's people see the tickets of the systems the vendor is responsible for.
//! Anything out of scope answers 404, as if it did not exist.

pub mod hmac;
pub mod secret;

use std::fmt;
use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::problem::ApiError;
use crate::db::entities::{api_tokens, sessions, users};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "opsclock_session";

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, everywhere.
    Admin,
    /// Reads and acts on tickets in scope.
    Manager,
    /// Reads and acts on tickets in scope.
    Engineer,
    /// Reads tickets in scope.
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Engineer, Role::Viewer];

    /// The stored name.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Engineer => "engineer",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == s)
            .ok_or_else(|| format!("{s:?} is not a role; expected admin, manager, engineer or viewer"))
    }
}

/// What part of the data a user sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (admins).
    All,
    /// The systems of one buyer unit.
    Unit(i64),
    /// The systems one vendor is responsible for.
    Vendor(i64),
    /// Nothing (a non-admin with neither unit nor vendor).
    Nothing,
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The authenticated caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Principal {
    /// User id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Scope.
    pub scope: Scope,
}

impl Principal {
    /// Builds the principal of a stored user.
    pub fn of(user: &users::Model) -> Result<Principal, ApiError> {
        let role: Role = user
            .role
            .parse()
            .map_err(|e: String| ApiError::Internal(anyhow::anyhow!("user {}: {e}", user.id)))?;
        let scope = match (role, user.unit_id, user.vendor_id) {
            (Role::Admin, _, _) => Scope::All,
            (_, Some(u), _) => Scope::Unit(u),
            (_, None, Some(v)) => Scope::Vendor(v),
            _ => Scope::Nothing,
        };
        Ok(Principal {
            user_id: user.id,
            username: user.username.clone(),
            role,
            scope,
        })
    }

    /// Fails unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "only admins may do this; you are {}",
                self.role
            )))
        }
    }

    /// Fails unless the caller is a manager or an admin.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin | Role::Manager => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "only managers and admins may do this; you are {}",
                self.role
            ))),
        }
    }

    /// Fails unless the caller may change tickets (not a viewer).
    pub fn require_writer(&self) -> Result<(), ApiError> {
        if self.role == Role::Viewer {
            Err(ApiError::Forbidden(
                "viewers may read tickets but not change them".into(),
            ))
        } else {
            Ok(())
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ApiError::Unauthorized(
                "sign in (POST /api/v1/session) or send Authorization: Bearer <API token>".to_owned(),
            )
        };
        let mut via_session = false;
        let bearer = bearer(&parts.headers);
        let user_id = if let Some(token) = bearer {
            let row = api_tokens::Entity::find()
                .filter(api_tokens::Column::TokenHash.eq(secret::secret_hash(token)))
                .one(&state.db)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("the API token is not valid (revoked or mistyped)".into()))?;
            row.user_id
        } else if let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) {
            via_session = true;
            let row = sessions::Entity::find()
                .filter(sessions::Column::TokenHash.eq(secret::secret_hash(&cookie)))
                .one(&state.db)
                .await?
                .filter(|s| s.expires_at > state.now())
                .ok_or_else(|| ApiError::Unauthorized("the session has expired; sign in again".into()))?;
            row.user_id
        } else {
            return Err(unauthorized());
        };
        let user = users::Entity::find_by_id(user_id)
            .one(&state.db)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| ApiError::Unauthorized("the account is disabled".into()))?;
        // A one-time password signs in only to be changed (API tokens are issued deliberately
        // by an admin, so they are not held back).
        let path = parts.uri.path();
        if via_session && user.must_change_password && !path.ends_with("/me") && !path.ends_with("/me/password") {
            return Err(ApiError::Forbidden(
                "you signed in with a one-time password; set your own first: POST /api/v1/me/password".into(),
            ));
        }
        Principal::of(&user)
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
