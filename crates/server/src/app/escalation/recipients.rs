//! Who holds an escalation role for a ticket, as email addresses.
//!
//! | role | who |
//! |---|---|
//! | `assignee` | the user the ticket is assigned to |
//! | `on_duty` | the people on duty for the system now by its vendors' duty rosters; where no roster covers the system, users holding `on_duty` who work for one of its vendors |
//! | `vendor_manager` | users holding `vendor_manager` who work for one of the system's vendors |
//! | `unit_head` | users holding `unit_head` who belong to the system's unit |
//! | `buyer_ops_lead` | users holding `buyer_ops_lead` who belong to the system's unit or to no unit |
//!
//! A user holds roles through `users.notify_roles` (`opsclock user roles`). Disabled users and
//! users without an address are skipped. A role nobody holds is reported, so that the outbox row
//! says who was meant to hear and did not.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sla_clock::{Recipient, Role};

use crate::db::entities::{systems, users};

/// The addresses for a step, and the roles nobody could be found for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Distinct addresses, sorted.
    pub addresses: Vec<String>,
    /// Roles (by key) no reachable user holds for this ticket.
    pub unfilled: Vec<&'static str>,
}

impl Resolved {
    /// What an outbox row notes about the resolution: the roles nobody holds, if any.
    pub fn note(&self) -> Option<String> {
        (!self.unfilled.is_empty()).then(|| format!("nobody holds: {}", self.unfilled.join(", ")))
    }
}

/// The roles of the users who may receive escalations, loaded once per sweep.
#[derive(Debug, Default)]
pub struct Directory {
    users: Vec<users::Model>,
}

/// Reads a user's `notify_roles` column.
pub fn held_roles(user: &users::Model) -> Vec<Role> {
    user.notify_roles
        .as_ref()
        .and_then(|v| serde_json::from_value::<Vec<Role>>(v.clone()).ok())
        .unwrap_or_default()
}

impl Directory {
    /// Loads every enabled user with an address or a phone number.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Directory, DbErr> {
        let users = users::Entity::find()
            .filter(users::Column::Disabled.eq(false))
            .filter(
                sea_orm::Condition::any()
                    .add(users::Column::Email.is_not_null())
                    .add(users::Column::Phone.is_not_null()),
            )
            .all(db)
            .await?;
        Ok(Directory { users })
    }

    /// The enabled user `id` with an address or a phone, if there is one.
    pub fn user(&self, id: i64) -> Option<&users::Model> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The people who may hold roles for tickets of `system`.
    pub async fn for_system<'a>(
        &'a self,
        db: &impl ConnectionTrait,
        calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
        system: &'a systems::Model,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<SystemContacts<'a>, DbErr> {
        let mut one = self.for_systems(db, calendars, &[system], now).await?;
        Ok(one.remove(&system.id).unwrap_or(SystemContacts {
            users: &self.users,
            system,
            vendors: Vec::new(),
            on_duty: None,
        }))
    }

    /// [`Directory::for_system`] for each of `systems` at once, by system id, in a few queries
    /// however many there are (the escalation sweep's batch): their vendors, and who their
    /// vendors' rosters put on duty ([`crate::app::duty::rosters::on_duty_many`]).
    pub async fn for_systems<'a>(
        &'a self,
        db: &impl ConnectionTrait,
        calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
        systems: &[&'a systems::Model],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<HashMap<i64, SystemContacts<'a>>, DbErr> {
        use crate::app::duty::rosters;
        let mut vendors = rosters::vendors_of(db, systems.iter().map(|s| s.id)).await?;
        let mut on_duty = rosters::on_duty_many(db, calendars, systems, &vendors, now)
            .await
            .map_err(|e| {
                let codes: Vec<&str> = systems.iter().map(|s| s.code.as_str()).collect();
                DbErr::Custom(format!("who is on duty for {}: {e}", codes.join(", ")))
            })?;
        Ok(systems
            .iter()
            .map(|system| {
                let contacts = SystemContacts {
                    users: &self.users,
                    system,
                    vendors: vendors.remove(&system.id).unwrap_or_default(),
                    on_duty: on_duty
                        .remove(&system.id)
                        .flatten()
                        .map(|people| people.into_iter().map(|p| (p.user_id, p.until)).collect()),
                };
                (system.id, contacts)
            })
            .collect())
    }
}

/// The people who may hold roles for one system's tickets.
#[derive(Debug)]
pub struct SystemContacts<'a> {
    users: &'a [users::Model],
    system: &'a systems::Model,
    vendors: Vec<i64>,
    /// The users on duty by the rosters (with their shift's end), or `None` where no roster
    /// covers the system.
    on_duty: Option<Vec<(i64, chrono::DateTime<chrono::Utc>)>>,
}

impl SystemContacts<'_> {
    /// The same people, narrowed to one of the system's vendors: its managers and its engineers
    /// on duty (what a rectification order to that vendor is mailed to).
    pub fn only_vendor(mut self, vendor: i64) -> Self {
        self.vendors.retain(|v| *v == vendor);
        let users = self.users;
        if let Some(on) = self.on_duty.as_mut() {
            on.retain(|(id, _)| users.iter().any(|u| u.id == *id && u.vendor_id == Some(vendor)));
        }
        self
    }

    /// The addresses `recipients` stand for on a ticket assigned to `assignee`.
    pub fn resolve(&self, assignee: Option<i64>, recipients: &[Recipient]) -> Resolved {
        let mut addresses = BTreeSet::new();
        let mut unfilled = Vec::new();
        for r in recipients {
            match r {
                Recipient::Email(e) => {
                    addresses.insert(e.clone());
                }
                Recipient::Role(role) => {
                    // By email: a holder with a phone only is no recipient here.
                    let holders: Vec<&users::Model> = self
                        .holders(assignee, *role)
                        .into_iter()
                        .filter(|u| u.email.is_some())
                        .collect();
                    if holders.is_empty() {
                        unfilled.push(role.key());
                    }
                    addresses.extend(holders.into_iter().filter_map(|u| u.email.clone()));
                }
            }
        }
        Resolved {
            addresses: addresses.into_iter().collect(),
            unfilled,
        }
    }
}

impl<'a> SystemContacts<'a> {
    /// The users who hold `role` for a ticket of this system assigned to `assignee`.
    pub fn holders(&self, assignee: Option<i64>, role: Role) -> Vec<&'a users::Model> {
        self.users
            .iter()
            .filter(|u| match (role, &self.on_duty) {
                (Role::OnDuty, Some(on)) => on.iter().any(|(id, _)| *id == u.id),
                _ => holds(u, role, self.system, assignee, &self.vendors),
            })
            .collect()
    }

    /// The vendors that serve the system.
    pub fn vendors(&self) -> &[i64] {
        &self.vendors
    }

    /// Whether `user` works for one of the system's vendors.
    pub fn serves(&self, user: &users::Model) -> bool {
        user.vendor_id.is_some_and(|v| self.vendors.contains(&v))
    }
}

impl SystemContacts<'_> {
    /// Who an escalation mail names as on duty: the people the rosters put on duty now, with
    /// their shift's end; where no roster covers the system, the holders of the `on_duty` role
    /// for its vendors (no end). Only users with an address are known here.
    ///
    /// A roster saying `eng_a` is on the day shift until 18:00 gives `eng_a`'s name, address and
    /// 18:00; a system without a roster gives every `on_duty` holder of its vendors.
    pub fn on_duty_contacts(&self) -> Vec<super::message::Contact> {
        let contact = |u: &users::Model, until| super::message::Contact {
            name: u.display_name.clone(),
            email: u.email.clone(),
            until,
        };
        match &self.on_duty {
            Some(on) => on
                .iter()
                .filter_map(|(id, until)| {
                    self.users
                        .iter()
                        .find(|u| u.id == *id)
                        .map(|u| contact(u, Some(*until)))
                })
                .collect(),
            None => self
                .users
                .iter()
                .filter(|u| holds(u, Role::OnDuty, self.system, None, &self.vendors))
                .map(|u| contact(u, None))
                .collect(),
        }
    }
}

/// Whether `user` holds `role` for a ticket of `system` assigned to `assignee`, whose system is
/// served by `vendors`.
fn holds(user: &users::Model, role: Role, system: &systems::Model, assignee: Option<i64>, vendors: &[i64]) -> bool {
    if role == Role::Assignee {
        return Some(user.id) == assignee;
    }
    let in_scope = match role {
        Role::OnDuty | Role::VendorManager => user.vendor_id.is_some_and(|v| vendors.contains(&v)),
        Role::UnitHead => user.unit_id == Some(system.unit_id),
        Role::BuyerOpsLead | Role::Assignee => user.unit_id.is_none_or(|u| u == system.unit_id),
    };
    in_scope && held_roles(user).contains(&role)
}
