//! Who is asking, and what they may see and do.
//!
//! A request is authenticated by a personal API token (`Authorization: Bearer ocp_…`) or by the
//! session cookie the web pages get from `POST /api/v1/session`. The [`Principal`] carries the
//! user's role, party and scope. Roles, in short (what each may do, by party, is the table in
//! [`crate::app::permissions`]):
//!
//! | role | may |
//! |---|---|
//! | admin | everything, everywhere |
//! | manager | what its party's engineers may, and decide: set its party's rules, approve |
//! | engineer | read and act on tickets in scope, as its party may |
//! | viewer | read what its party reads |
//!
//! Party: every account belongs to the buyer (the bureau, or one of its units), to a vendor, or
//! to the supervisor (监理) — a [`Party`]. Scope follows from it: a unit's people see the tickets
//! of that unit's systems; a vendor's people see the tickets of the systems the vendor is
//! responsible for; the bureau and the supervisor see every system. Anything out of scope answers
//! 404, as if it did not exist. What each party and role may do is one table,
//! [`crate::app::permissions`] (`docs/permissions.md`).

pub mod accounts;
pub mod hmac;
pub mod secret;
pub mod session;
pub mod throttle;
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

crate::stored_enum! {
    /// The four kinds of party, without the unit's or vendor's id: the columns of the
    /// permission table. Stored in `users.party` only for `bureau` and `supervisor` (a unit's
    /// or vendor's people are theirs by `unit_id` / `vendor_id`).
    pub enum PartyKind {
        /// The buyer's bureau (区经信局): the buyer as a whole, over every unit.
        Bureau = "bureau",
        /// One of the buyer's units (用户单位).
        Unit = "unit",
        /// A vendor (乙方).
        Vendor = "vendor",
        /// The supervisor (监理): reads everything, co-approves, does no vendor work.
        Supervisor = "supervisor",
    }
}

impl PartyKind {
    /// Whether this is the buyer (the bureau or a unit).
    pub fn is_buyer(self) -> bool {
        matches!(self, PartyKind::Bureau | PartyKind::Unit)
    }

    /// How people say it: "the bureau", "a unit", "a vendor", "the supervisor".
    pub fn phrase(self) -> &'static str {
        match self {
            PartyKind::Bureau => "the bureau",
            PartyKind::Unit => "a unit",
            PartyKind::Vendor => "a vendor",
            PartyKind::Supervisor => "the supervisor",
        }
    }
}

/// Whom an account belongs to.
///
/// ```text
/// users.vendor_id = 3                 Vendor(3)
/// users.unit_id = 7                   Unit(7)
/// users.party = 'bureau'              Bureau
/// users.party = 'supervisor'          Supervisor
/// an admin with none of these         Bureau
/// anyone else                         none (sees nothing, may do nothing but sign in)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Party {
    /// The buyer's bureau: no unit, sees every unit.
    Bureau,
    /// A buyer unit (its id).
    Unit(i64),
    /// A vendor (its id).
    Vendor(i64),
    /// The supervisor (监理).
    Supervisor,
}

impl Party {
    /// The party's kind, without its id.
    pub fn kind(self) -> PartyKind {
        match self {
            Party::Bureau => PartyKind::Bureau,
            Party::Unit(_) => PartyKind::Unit,
            Party::Vendor(_) => PartyKind::Vendor,
            Party::Supervisor => PartyKind::Supervisor,
        }
    }

    /// Whether this is the buyer (the bureau or a unit).
    pub fn is_buyer(self) -> bool {
        self.kind().is_buyer()
    }

    /// The party of a stored user (see [`Party`]).
    pub fn of(user: &users::Model) -> Option<Party> {
        match (user.vendor_id, user.unit_id, user.party.as_deref().copied()) {
            (Some(v), _, _) => Some(Party::Vendor(v)),
            (None, Some(u), _) => Some(Party::Unit(u)),
            (None, None, Some(PartyKind::Supervisor)) => Some(Party::Supervisor),
            (None, None, Some(_)) => Some(Party::Bureau),
            (None, None, None) if *user.role == Role::Admin => Some(Party::Bureau),
            (None, None, None) => None,
        }
    }
}

/// What part of the data a user sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (admins, the bureau and the supervisor).
    All,
    /// The systems of one buyer unit.
    Unit(i64),
    /// The systems one vendor is responsible for.
    Vendor(i64),
    /// Nothing (a non-admin of no party).
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
    /// Scope: what the caller reads.
    pub scope: Scope,
    /// Whom the caller belongs to; `None` for an account of no party.
    pub party: Option<Party>,
    /// The configuration epoch its authentication read the cache at ([`crate::app::cache`]),
    /// and when: the request's own use case reads the configuration as of the same moment,
    /// without reading the epoch again, if that moment is recent
    /// ([`crate::app::cache::ConfigCache::read_at`]). `None` outside a request (the CLI, the
    /// jobs). Never shown: it is the server's, not the caller's (`GET /me` leaves it out).
    #[serde(skip)]
    #[schema(ignore)]
    pub epoch: Option<(i64, std::time::Instant)>,
}

impl Principal {
    /// Builds the principal of a stored user.
    pub fn of(user: &users::Model) -> Result<Principal, AppError> {
        let role: Role = *user.role;
        let party = Party::of(user);
        let scope = match (role, party) {
            (Role::Admin, _) | (_, Some(Party::Bureau | Party::Supervisor)) => Scope::All,
            (_, Some(Party::Unit(u))) => Scope::Unit(u),
            (_, Some(Party::Vendor(v))) => Scope::Vendor(v),
            (_, None) => Scope::Nothing,
        };
        Ok(Principal {
            user_id: user.id,
            username: user.username.clone(),
            role,
            scope,
            party,
            epoch: None,
        })
    }

    /// The party's kind, if the caller belongs to one.
    pub fn party_kind(&self) -> Option<PartyKind> {
        self.party.map(Party::kind)
    }

    /// Whether the caller is of the buyer (the bureau or a unit).
    pub fn is_buyer(&self) -> bool {
        self.party.is_some_and(Party::is_buyer)
    }

    /// "a vendor manager", "the bureau's viewer", "an admin", "an engineer of no party": who the
    /// caller is, as a refusal says it.
    pub fn describe(&self) -> String {
        let role = self.role.key();
        match (self.role, self.party) {
            (Role::Admin, _) => "an admin".to_owned(),
            (_, Some(Party::Bureau)) => format!("a bureau {role}"),
            (_, Some(Party::Unit(_))) => format!("a unit {role}"),
            (_, Some(Party::Vendor(_))) => format!("a vendor {role}"),
            (_, Some(Party::Supervisor)) => format!("a supervisor {role}"),
            (Role::Engineer, None) => "an engineer of no party".to_owned(),
            (_, None) => format!("a {role} of no party"),
        }
    }

    /// Fails unless the caller is a manager or an admin. Prefer
    /// [`crate::app::permissions::check`], which also asks the caller's party.
    pub fn require_manager(&self) -> Result<(), AppError> {
        match self.role {
            Role::Admin | Role::Manager => Ok(()),
            _ => Err(AppError::Forbidden(format!(
                "only managers and admins may do this; you are {}",
                self.role
            ))),
        }
    }

    /// Fails unless the caller may change tickets (not a viewer). Prefer
    /// [`crate::app::permissions::check`], which also asks the caller's party.
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
