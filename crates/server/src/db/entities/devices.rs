//! `devices`: the device inventory (一机一档), one row per device of a system (see
//! `app::devices`).

use sea_orm::entity::prelude::*;

/// A device.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    /// Surrogate key (part B's spares and replacements reference it).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The 一机一档 code, unique across the installation.
    #[sea_orm(unique, column_type = "Text")]
    pub code: String,
    /// The system it belongs to.
    pub system_id: i64,
    /// Its type (摄像机, 交换机…).
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Model.
    #[sea_orm(column_type = "Text", nullable)]
    pub model: Option<String>,
    /// Serial number.
    #[sea_orm(column_type = "Text", nullable)]
    pub serial: Option<String>,
    /// Where it is, in words.
    #[sea_orm(column_type = "Text", nullable)]
    pub location: Option<String>,
    /// Latitude, WGS-84 degrees.
    pub latitude: Option<f64>,
    /// Longitude, WGS-84 degrees.
    pub longitude: Option<f64>,
    /// A main device (主要设备): the availability KPI is over these.
    pub main: bool,
    /// The day it entered service.
    pub installed_on: Option<Date>,
    /// The day it left service (removed).
    pub removed_on: Option<Date>,
    /// Warranty provider or OEM.
    #[sea_orm(column_type = "Text", nullable)]
    pub warranty_by: Option<String>,
    /// Last day of the warranty.
    pub warranty_until: Option<Date>,
    /// `in_service`, `faulty` or `removed`.
    #[sea_orm(column_type = "Text")]
    pub status: crate::db::Key<Status>,
    /// Custom attributes: a JSON object of text to text.
    pub attributes: Json,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a device.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::stored_enum! {
    /// Where a device stands.
    pub enum Status {
        /// In service (在用).
        InService = "in_service",
        /// Faulty (故障): known broken, not yet repaired or replaced.
        Faulty = "faulty",
        /// Removed (已拆除): out of service since `removed_on`.
        Removed = "removed",
    }
}
