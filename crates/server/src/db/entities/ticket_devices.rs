//! `ticket_devices`: the devices a ticket names (see `app::devices`).

use sea_orm::entity::prelude::*;

/// A device named by a ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_devices")]
pub struct Model {
    /// The ticket.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: i64,
    /// The device.
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_id: i64,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
