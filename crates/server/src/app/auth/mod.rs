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
pub mod session;
pub mod tokens;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppError;
use crate::db::entities::users;

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

impl crate::db::key::StoredKey for Role {
    fn stored_key(self) -> &'static str {
        self.key()
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
    pub fn of(user: &users::Model) -> Result<Principal, AppError> {
        let role: Role = *user.role;
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
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only admins may do this; you are {}",
                self.role
            )))
        }
    }

    /// Fails unless the caller is a manager or an admin.
    pub fn require_manager(&self) -> Result<(), AppError> {
        match self.role {
            Role::Admin | Role::Manager => Ok(()),
            _ => Err(AppError::Forbidden(format!(
                "only managers and admins may do this; you are {}",
                self.role
            ))),
        }
    }

    /// Fails unless the caller may change tickets (not a viewer).
    pub fn require_writer(&self) -> Result<(), AppError> {
        if self.role == Role::Viewer {
            Err(AppError::Forbidden(
                "viewers may read tickets but not change them".into(),
            ))
        } else {
            Ok(())
        }
    }
}
