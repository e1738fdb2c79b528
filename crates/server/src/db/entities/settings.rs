//! `settings`: documents the server keeps by name (`intake.rules`).

use sea_orm::entity::prelude::*;

/// A named document.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    /// Its name.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub key: String,
    /// The document.
    #[sea_orm(column_type = "JsonBinary")]
    pub value: Json,
    /// When it was last written.
    pub updated_at: DateTimeUtc,
    /// Who wrote it (`None`: the configuration file at start-up).
    pub updated_by: Option<i64>,
}

/// Relations of a setting.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
