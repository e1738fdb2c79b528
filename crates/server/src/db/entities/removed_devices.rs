//! `removed_devices`: the ledger (台账) of removed devices, the settlement's basis.

use sea_orm::entity::prelude::*;

/// A stored ledger row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "removed_devices")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The device removed.
    pub device_id: i64,
    /// The replacement that removed it.
    pub replacement_id: Option<i64>,
    /// Its system.
    pub system_id: i64,
    /// The ticket.
    pub ticket_id: Option<i64>,
    /// Its code (一机一档).
    #[sea_orm(column_type = "Text")]
    pub code: String,
    /// 设备名称: kind and model.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// 拆除原因.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// 位置.
    #[sea_orm(column_type = "Text")]
    pub location: String,
    /// Installed on (the start of 使用年限), when known.
    pub installed_on: Option<Date>,
    /// Removed on.
    pub removed_on: Date,
    /// Who recorded it.
    pub recorded_by: i64,
    /// When.
    pub recorded_at: DateTimeUtc,
}

/// Relations of a ledger row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
